package dev.jvs.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code bin/jvs-director --demo}: the README's "run" command works with no other setup. */
class DemoIT {

    @TempDir
    Path dir;

    @Test
    void demoServesBothBuiltInBackendsRoundRobin() throws Exception {
        try (DirectorProcess director = DirectorProcess.start(dir, "--demo")) {
            assertTrue(director.log().contains("curl http://127.0.0.1:8080/"), director.log());
            Set<String> answers = new HashSet<>();
            for (int i = 0; i < 4; i++) {
                HttpClient client = HttpClient.newHttpClient();
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:8080/")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode());
                answers.add(r.body().trim());
            }
            assertEquals(Set.of("Hello from JVS demo backend 1 (127.0.0.1:9001)",
                    "Hello from JVS demo backend 2 (127.0.0.1:9002)"), answers);
            assertTrue(director.ok("-L", "-n").contains("TCP  127.0.0.1:8080 rr"));
            assertEquals(0, director.stop());
        }
    }
}

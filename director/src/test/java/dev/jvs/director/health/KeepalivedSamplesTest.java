package dev.jvs.director.health;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * keepalived's own sample configurations: {@code --config-test} gives the exit status Debian's keepalived 2.2.7
 * gave ({@code keepalived -t}, recorded in {@code verdicts.txt}), except where a sample's line says JVS lacks
 * the feature and which status it gives instead. Interfaces are judged as on the host the verdicts came from.
 */
class KeepalivedSamplesTest {

    private static final Set<String> VERDICT_HOST_INTERFACES = Set.of("lo", "eth0");

    static Path samples() {
        try {
            return Path.of(KeepalivedSamplesTest.class.getResource("/keepalived-samples").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Stream<Arguments> verdicts() throws IOException {
        return Files.readAllLines(samples().resolve("verdicts.txt")).stream()
                .filter(line -> !line.isBlank() && !line.startsWith("#"))
                .map(line -> {
                    String[] f = line.split("\\s+", 4);
                    int keepalived = Integer.parseInt(f[1]);
                    int jvs = f.length > 2 ? Integer.parseInt(f[2]) : keepalived;
                    return Arguments.of(f[0], keepalived, jvs, f.length > 3 ? f[3] : "");
                });
    }

    @ParameterizedTest(name = "{0}: keepalived {1}, JVS {2} {3}")
    @MethodSource("verdicts")
    void configTestGivesKeepalivedsExitStatus(String sample, int keepalived, int jvs, String why) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status = HealthChecks.configTest(samples().resolve(sample), new PrintStream(out, true, StandardCharsets.UTF_8),
                VERDICT_HOST_INTERFACES::contains);
        assertEquals(jvs, status, () -> out.toString(StandardCharsets.UTF_8));
    }
}

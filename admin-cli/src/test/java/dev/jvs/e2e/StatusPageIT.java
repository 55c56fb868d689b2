package dev.jvs.e2e;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The status page in a real headless Chromium: it renders a running director's service and real servers, and a
 * real server taken down by its health check shows down on the next load (the page reloads itself every 2 s).
 */
class StatusPageIT {

    @TempDir
    Path dir;
    ServerSocket a;
    ServerSocket b;

    @AfterEach
    void close() throws IOException {
        if (a != null) a.close();
        if (b != null) b.close();
    }

    @Test
    void theBrowserShowsTheServiceAndARealServerGoingDown() throws Exception {
        assumeTrue(Chromium.binary() != null, "skipped: chromium is not installed (apt-get install chromium)");
        a = new ServerSocket(Ports.free(), 50, InetAddress.getLoopbackAddress());
        b = new ServerSocket(Ports.free(), 50, InetAddress.getLoopbackAddress());
        int vip = Ports.free();
        int metrics = Ports.free();
        Path conf = Files.writeString(dir.resolve("keepalived.conf"), """
                virtual_server 127.0.0.1 %d {
                    delay_loop 1
                    lb_algo wlc
                    lb_kind NAT
                    protocol TCP
                    real_server 127.0.0.1 %d {
                        weight 2
                        TCP_CHECK { connect_timeout 1 retry 0 }
                    }
                    real_server 127.0.0.1 %d {
                        weight 3
                        TCP_CHECK { connect_timeout 1 retry 0 }
                    }
                }
                """.formatted(vip, a.getLocalPort(), b.getLocalPort()));
        String page = "http://127.0.0.1:" + metrics + "/";
        try (DirectorProcess director = DirectorProcess.start(dir, "--keepalived-conf", conf.toString(),
                "--metrics-listen", "127.0.0.1:" + metrics)) {
            awaitJson(page, server(a.getLocalPort()) + "\"state\":\"up\"((?!\"address\").)*\"passing\":true", director);
            String dom = Chromium.dumpDom(dir, page);
            assertTrue(dom.contains("TCP 127.0.0.1:" + vip), dom);
            assertTrue(dom.contains("<meta http-equiv=\"refresh\" content=\"2\">"), "the page reloads itself:\n" + dom);
            assertEquals("up", stateOf(dom, a.getLocalPort()), dom);
            assertEquals("up", stateOf(dom, b.getLocalPort()), dom);
            assertTrue(dom.contains("TCP_CHECK"), dom);

            a.close(); // refused from now on: the next check (delay_loop 1 s) takes it down
            long closed = System.nanoTime();
            awaitJson(page, server(a.getLocalPort()) + "\"state\":\"down\"", director);
            double seconds = (System.nanoTime() - closed) / 1e9;
            dom = Chromium.dumpDom(dir, page);
            assertEquals("down", stateOf(dom, a.getLocalPort()), "the page's next load shows it down\n" + dom);
            assertEquals("up", stateOf(dom, b.getLocalPort()), dom);
            Chromium.screenshot(dir, page, dir.resolve("status-down.png"), 412, 900);
            Path kept = Path.of(System.getProperty("jvs.home", "..")).resolve("admin-cli/target/status-page.png");
            Files.copy(dir.resolve("status-down.png"), kept, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            System.out.printf("status page: down %.1f s after the real server closed; screenshot %s%n", seconds, kept);
        }
    }

    /** The start of a real server's object in status.json, up to its state. */
    private static String server(int port) {
        return "\"address\":\"127\\.0\\.0\\.1:" + port + "\",\"forward\":\"\\w*\",\"weight\":\\d+,";
    }

    /** The state badge of the real server on {@code port} in the page's DOM. */
    private static String stateOf(String dom, int port) {
        var m = Pattern.compile("<b>127\\.0\\.0\\.1:" + port + "</b>[^<]*</td><td><span class=\"st (\\w+)\">").matcher(dom);
        return m.find() ? m.group(1) : "not shown";
    }

    private static void awaitJson(String page, String regex, DirectorProcess director) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        Pattern wanted = Pattern.compile(regex);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        String body = "";
        while (System.nanoTime() < deadline) {
            body = http.send(HttpRequest.newBuilder(URI.create(page + "status.json")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            if (wanted.matcher(body).find()) return;
            Thread.sleep(100);
        }
        fail("status.json never matched " + regex + ":\n" + body + "\n" + director.log());
    }
}

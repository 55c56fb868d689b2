package dev.jvs.e2e;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.jvs.e2e.NatForwardingIT.freePort;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code --proxy-protocol v1|v2} against a real nginx that reads the PROXY header: nginx must report the
 * client's own address and port, not the director's. The client binds 127.0.0.2 so it cannot be mistaken for
 * the director, which connects from 127.0.0.1.
 */
class ProxyProtocolIT {

    private static final String CLIENT_IP = "127.0.0.2";

    @TempDir
    Path dir;
    DirectorProcess director;
    Process nginx;
    int nginxV1Port;
    int nginxV2Port;
    String vipV1;
    String vipV2;

    @BeforeEach
    void start() throws Exception {
        nginxV1Port = freePort();
        nginxV2Port = freePort();
        nginx = startNginx();
        director = DirectorProcess.start(dir);
        vipV1 = "127.0.0.1:" + freePort();
        vipV2 = "127.0.0.1:" + freePort();
    }

    @AfterEach
    void stop() throws Exception {
        if (director != null) director.stop();
        if (nginx != null) {
            nginx.destroy();
            if (!nginx.waitFor(10, TimeUnit.SECONDS)) nginx.destroyForcibly();
        }
    }

    @Test
    void nginxSeesTheClientAddressThroughBothProtocolVersions() throws Exception {
        addServices("--proxy-protocol", "v1", "--proxy-protocol", "v2");
        assertNginxSeesTheClient(vipV1);
        assertNginxSeesTheClient(vipV2);
    }

    @Test
    void saveKeepsTheOptionAndRestoreBringsItBack() throws Exception {
        addServices("--proxy-protocol", "v1", "--proxy-protocol", "v2");
        String saved = director.ok("-S", "-n");
        assertTrue(saved.contains("-a -t " + vipV1 + " -r 127.0.0.1:" + nginxV1Port + " -m -w 1 --proxy-protocol v1\n"),
                saved);
        assertTrue(saved.contains("-a -t " + vipV2 + " -r 127.0.0.1:" + nginxV2Port + " -m -w 1 --proxy-protocol v2\n"),
                saved);

        director.ok("-C");
        DirectorProcess.Result restore = director.ipvsadmWithInput(saved, "-R");
        assertEquals(0, restore.status(), restore.err());
        assertEquals(saved, director.ok("-S", "-n"));
        assertNginxSeesTheClient(vipV1);
        assertNginxSeesTheClient(vipV2);
    }

    @Test
    void listingLooksExactlyAsWithoutTheOption() throws Exception {
        addServices();
        String plain = director.ok("-L", "-n");
        director.ok("-e", "-t", vipV1, "-r", "127.0.0.1:" + nginxV1Port, "-m", "--proxy-protocol", "v1");
        director.ok("-e", "-t", vipV2, "-r", "127.0.0.1:" + nginxV2Port, "-m", "--proxy-protocol", "v2");
        String withProxyProtocol = director.ok("-L", "-n");
        assertEquals(plain, withProxyProtocol);
        assertFalse(withProxyProtocol.contains("proxy"), withProxyProtocol);
    }

    /** One service per protocol version; {@code options} are the v1 server's pair then the v2 server's pair. */
    private void addServices(String... options) throws Exception {
        director.ok("-A", "-t", vipV1, "-s", "rr");
        director.ok("-A", "-t", vipV2, "-s", "rr");
        List<String> v1 = options.length == 0 ? List.of() : List.of(options[0], options[1]);
        List<String> v2 = options.length == 0 ? List.of() : List.of(options[2], options[3]);
        addServer(vipV1, nginxV1Port, v1);
        addServer(vipV2, nginxV2Port, v2);
    }

    private void addServer(String vip, int port, List<String> options) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("-a", "-t", vip, "-r", "127.0.0.1:" + port, "-m"));
        args.addAll(options);
        director.ok(args.toArray(String[]::new));
    }

    /** One HTTP request from 127.0.0.2 through the VIP; nginx answers with the client it read from the header. */
    private void assertNginxSeesTheClient(String vip) throws Exception {
        int colon = vip.lastIndexOf(':');
        InetSocketAddress target = new InetSocketAddress(vip.substring(0, colon), Integer.parseInt(vip.substring(colon + 1)));
        try (Socket client = new Socket()) {
            client.bind(new InetSocketAddress(CLIENT_IP, 0));
            client.connect(target, 5000);
            client.setSoTimeout(10_000);
            client.getOutputStream().write("GET / HTTP/1.0\r\nHost: jvs\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String response = new String(client.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertTrue(response.startsWith("HTTP/1.1 200"), () -> "nginx answered:\n" + response + nginxErrors());
            String body = response.substring(response.indexOf("\r\n\r\n") + 4);
            assertEquals(CLIENT_IP + ":" + client.getLocalPort(), body, "the client nginx read from the PROXY header");
        }
    }

    private Process startNginx() throws Exception {
        Path nginxBinary = findNginx();
        for (String temp : List.of("client_body", "proxy", "fastcgi", "uwsgi", "scgi")) {
            Files.createDirectories(dir.resolve("nginx/" + temp));
        }
        Path conf = Files.writeString(dir.resolve("nginx/nginx.conf"), """
                daemon off;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log;
                events {}
                http {
                    access_log off;
                    client_body_temp_path %1$s/client_body;
                    proxy_temp_path %1$s/proxy;
                    fastcgi_temp_path %1$s/fastcgi;
                    uwsgi_temp_path %1$s/uwsgi;
                    scgi_temp_path %1$s/scgi;
                    # Each listener accepts only connections that start with a PROXY header (v1 or v2).
                    server {
                        listen 127.0.0.1:%2$d proxy_protocol;
                        return 200 "$proxy_protocol_addr:$proxy_protocol_port";
                    }
                    server {
                        listen 127.0.0.1:%3$d proxy_protocol;
                        return 200 "$proxy_protocol_addr:$proxy_protocol_port";
                    }
                }
                """.formatted(dir.resolve("nginx"), nginxV1Port, nginxV2Port));
        Process p = new ProcessBuilder(nginxBinary.toString(), "-p", dir.resolve("nginx").toString(),
                "-e", dir.resolve("nginx/error.log").toString(), "-c", conf.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("nginx/stdout.log").toFile())
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) fail("nginx exited with " + p.exitValue() + ":\n" + nginxErrors());
            if (accepts(nginxV1Port) && accepts(nginxV2Port)) return p;
            Thread.sleep(50);
        }
        p.destroyForcibly();
        fail("nginx did not start listening:\n" + nginxErrors());
        return null;
    }

    private static Path findNginx() {
        for (String candidate : List.of("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx", "/usr/local/bin/nginx")) {
            if (Files.isExecutable(Path.of(candidate))) return Path.of(candidate);
        }
        String path = System.getenv().getOrDefault("PATH", "");
        for (String entry : path.split(":")) {
            if (!entry.isEmpty() && Files.isExecutable(Path.of(entry, "nginx"))) return Path.of(entry, "nginx");
        }
        return fail("ProxyProtocolIT needs nginx as the PROXY-protocol real server and none was found:"
                + " install the 'nginx' package (apt-get install nginx)");
    }

    private static boolean accepts(int port) {
        try (Socket probe = new Socket()) {
            probe.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    private String nginxErrors() {
        try {
            Path log = dir.resolve("nginx/error.log");
            Path out = dir.resolve("nginx/stdout.log");
            return (Files.exists(log) ? Files.readString(log) : "") + (Files.exists(out) ? Files.readString(out) : "");
        } catch (IOException e) {
            return e.toString();
        }
    }
}

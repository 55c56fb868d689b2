package dev.jvs.e2e;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code bin/jvs-director --keepalived-conf}: health checks against real servers on loopback, seen through
 * {@code bin/ipvsadm -Ln} and through a client talking to the VIP.
 */
class HealthCheckIT {

    @TempDir
    Path dir;

    private final List<Backend> backends = new ArrayList<>();

    /**
     * An HTTP real server on a fixed loopback port that can be stopped and started again. Stopping waits for the
     * client's request in flight, so what the client meets afterwards is a refused connect, not a cut response.
     */
    static final class Backend {
        final String name;
        final int port;
        private final ReentrantLock requests;
        private HttpServer server;

        Backend(String name, int port, ReentrantLock requests) throws IOException {
            this.name = name;
            this.port = port;
            this.requests = requests;
            start();
        }

        void start() throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
            server.setExecutor(Executors.newFixedThreadPool(2));
            server.createContext("/", exchange -> {
                byte[] body = name.getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Connection", "close");
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            server.start();
        }

        void stop() {
            requests.lock();
            try {
                server.stop(0);
            } finally {
                requests.unlock();
            }
        }

        String address() {
            return "127.0.0.1:" + port;
        }
    }

    private final ReentrantLock requestLock = new ReentrantLock();

    private Backend backend(String name) throws IOException {
        Backend b = new Backend(name, freePort(), requestLock);
        backends.add(b);
        return b;
    }

    @AfterEach
    void stopBackends() {
        for (Backend b : backends) b.server.stop(0);
    }

    static int freePort() throws IOException {
        return Ports.free();
    }

    /** One HTTP/1.0 request on a fresh connection; the body, or null if it failed in any way. */
    String request(int vipPort) {
        requestLock.lock();
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), vipPort), 5000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET / HTTP/1.0\r\nHost: vip\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (!response.startsWith("HTTP/1.1 200")) return null;
            return response.substring(response.indexOf("\r\n\r\n") + 4);
        } catch (IOException e) {
            return null;
        } finally {
            requestLock.unlock();
        }
    }

    private Path conf(String text) throws IOException {
        return Files.writeString(dir.resolve("keepalived.conf"), text);
    }

    private static String realServer(Backend b, String extra, String check) {
        return """
                    real_server 127.0.0.1 %d {
                        weight 1
                        %s
                        %s
                    }
                """.formatted(b.port, extra, check);
    }

    private static final String TCP_CHECK = """
            TCP_CHECK {
                connect_timeout 1
                retry 1
                delay_before_retry 1
            }""";

    private static String virtualServer(int port, String extra, String realServers) {
        return """
                virtual_server 127.0.0.1 %d {
                    delay_loop 2
                    warmup 0
                    lb_algo rr
                    lb_kind NAT
                    protocol TCP
                    %s
                %s
                }
                """.formatted(port, extra, realServers);
    }

    /** Polls {@code ipvsadm -Ln} until it satisfies the condition; returns how long that took. */
    private static Duration awaitListing(DirectorProcess director, String what, Duration limit, Predicate<String> condition)
            throws Exception {
        long start = System.nanoTime();
        String last = "";
        while (System.nanoTime() - start < limit.toNanos()) {
            last = director.ok("-L", "-n");
            if (condition.test(last)) return Duration.ofNanos(System.nanoTime() - start);
            Thread.sleep(100);
        }
        fail(what + " within " + limit + "; last listing:\n" + last + "\nlog:\n" + director.log());
        return null;
    }

    @Test
    void aStoppedServerLeavesAndReturnsWhileClientsSeeNoFailure() throws Exception {
        Backend a = backend("server-a");
        Backend b = backend("server-b");
        int vip = freePort();
        Path file = conf(virtualServer(vip, "", realServer(a, "", TCP_CHECK) + realServer(b, "", TCP_CHECK)));
        try (DirectorProcess director = DirectorProcess.start(dir, "--keepalived-conf", file.toString())) {
            String listing = director.ok("-L", "-n");
            assertTrue(listing.contains("-> " + a.address()) && listing.contains("-> " + b.address()), listing);

            AtomicBoolean running = new AtomicBoolean(true);
            AtomicInteger ok = new AtomicInteger();
            List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread client = new Thread(() -> {
                while (running.get()) {
                    String body = request(vip);
                    if (body == null) failures.add("request " + (ok.get() + failures.size() + 1) + " failed");
                    else ok.incrementAndGet();
                }
            });
            client.start();
            Thread.sleep(500);

            a.stop();
            // delay_loop + (retry+1)·connect_timeout + retry·delay_before_retry, plus one second.
            Duration bound = Duration.ofSeconds(2 + 2 * 1 + 1 + 1);
            Duration gone = awaitListing(director, "stopped server removed", bound.plusSeconds(10),
                    l -> !l.contains("-> " + a.address()));
            System.out.println("HealthCheckIT: stopped server left the table after " + gone.toMillis() + " ms (allowed "
                    + bound.toMillis() + " ms)");
            assertTrue(gone.compareTo(bound) <= 0, "removed after " + gone + ", allowed " + bound);

            a.start();
            awaitListing(director, "restarted server back", Duration.ofSeconds(2 + 1 + 10),
                    l -> l.contains("-> " + a.address()));
            Thread.sleep(500);
            running.set(false);
            System.out.println("HealthCheckIT: " + ok.get() + " client requests, " + failures.size() + " failed");
            client.join(20_000);
            assertEquals(List.of(), failures, "client requests must never fail; " + ok.get() + " succeeded");
            assertTrue(ok.get() > 20, "the client kept going: " + ok.get());
            String log = director.log();
            assertTrue(log.contains("Removing service [127.0.0.1]:tcp:" + a.port), log);
            assertTrue(log.contains("retrying on"), "the passive retry is logged");
        }
    }

    @Test
    void sorryServerTakesOverWhenAllRealServersAreDown() throws Exception {
        Backend a = backend("server-a");
        Backend b = backend("server-b");
        Backend sorry = backend("sorry");
        int vip = freePort();
        Path file = conf(virtualServer(vip, "sorry_server 127.0.0.1 " + sorry.port,
                realServer(a, "", TCP_CHECK) + realServer(b, "", TCP_CHECK)));
        try (DirectorProcess director = DirectorProcess.start(dir, "--keepalived-conf", file.toString())) {
            assertFalse(director.ok("-L", "-n").contains(sorry.address()));
            a.stop();
            b.stop();
            String listing = director.ok("-L", "-n");
            awaitListing(director, "sorry server in", Duration.ofSeconds(20),
                    l -> l.contains("-> " + sorry.address()) && !l.contains(a.address()) && !l.contains(b.address()));
            assertEquals("sorry", request(vip), listing);
            a.start();
            awaitListing(director, "sorry server out", Duration.ofSeconds(20),
                    l -> !l.contains(sorry.address()) && l.contains("-> " + a.address()));
            assertEquals("server-a", request(vip));
            assertTrue(director.log().contains("Lost quorum"), director.log());
        }
    }

    @Test
    void inhibitOnFailureShowsWeightZeroInsteadOfRemoval() throws Exception {
        Backend a = backend("server-a");
        Backend b = backend("server-b");
        int vip = freePort();
        Path file = conf(virtualServer(vip, "", realServer(a, "weight 3\n inhibit_on_failure", TCP_CHECK)
                + realServer(b, "", TCP_CHECK)));
        try (DirectorProcess director = DirectorProcess.start(dir, "--keepalived-conf", file.toString())) {
            assertTrue(director.ok("-L", "-n").matches("(?s).*-> " + a.address() + " +Masq +3 .*"));
            a.stop();
            awaitListing(director, "weight 0", Duration.ofSeconds(20),
                    l -> l.matches("(?s).*-> " + a.address() + " +Masq +0 .*"));
            assertEquals("server-b", request(vip));
            a.start();
            awaitListing(director, "weight back", Duration.ofSeconds(20),
                    l -> l.matches("(?s).*-> " + a.address() + " +Masq +3 .*"));
            assertTrue(director.log().contains("Disabling service [127.0.0.1]:tcp:" + a.port), director.log());
        }
    }

    @Test
    void miscCheckWithMiscDynamicSetsTheWeightFromItsExitStatus() throws Exception {
        Backend a = backend("server-a");
        Path status = Files.writeString(dir.resolve("status"), "7");
        Path script = dir.resolve("weight.sh");
        Files.writeString(script, "#!/bin/sh\nexit $(cat " + status + ")\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        String misc = """
                MISC_CHECK {
                    misc_path "%s"
                    misc_timeout 5
                    misc_dynamic
                }""".formatted(script);
        int vip = freePort();
        Path file = conf(virtualServer(vip, "", realServer(a, "", misc)));
        try (DirectorProcess director = DirectorProcess.start(dir, "--keepalived-conf", file.toString())) {
            awaitListing(director, "weight 5 (exit 7)", Duration.ofSeconds(20),
                    l -> l.matches("(?s).*-> " + a.address() + " +Masq +5 .*"));
            Files.writeString(status, "22");
            awaitListing(director, "weight 20 (exit 22)", Duration.ofSeconds(20),
                    l -> l.matches("(?s).*-> " + a.address() + " +Masq +20 .*"));
            Files.writeString(status, "0");
            awaitListing(director, "configured weight back (exit 0)", Duration.ofSeconds(20),
                    l -> l.matches("(?s).*-> " + a.address() + " +Masq +1 .*"));
            Files.writeString(status, "1");
            awaitListing(director, "removed (exit 1)", Duration.ofSeconds(20), l -> !l.contains(a.address()));
        }
    }

    @Test
    void sighupAppliesOnlyTheDifferenceAndKeepsCounters() throws Exception {
        Backend a = backend("server-a");
        Backend b = backend("server-b");
        int vip = freePort();
        Path file = conf(virtualServer(vip, "", realServer(a, "", TCP_CHECK)));
        try (DirectorProcess director = DirectorProcess.start(dir, "--keepalived-conf", file.toString())) {
            for (int i = 0; i < 3; i++) assertEquals("server-a", request(vip));
            awaitListing(director, "3 connections counted", Duration.ofSeconds(10),
                    l -> l.matches("(?s).*-> " + a.address() + " +Masq +1 +0 +3 .*"));
            conf(virtualServer(vip, "", realServer(a, "", TCP_CHECK) + realServer(b, "weight 2", TCP_CHECK)));
            new ProcessBuilder("kill", "-HUP", Long.toString(director.pid())).start().waitFor();
            String listing = awaitListing(director, "new server after SIGHUP", Duration.ofSeconds(20),
                    l -> l.contains("-> " + b.address())) == null ? "" : director.ok("-L", "-n");
            assertTrue(listing.matches("(?s).*-> " + a.address() + " +Masq +1 +0 +3 .*"),
                    "the unchanged server keeps its counters:\n" + listing);
            assertTrue(director.log().contains("1 table change(s)"), director.log());
        }
    }

    @Test
    void configTestReportsEveryProblemWithFileAndLine() throws Exception {
        Path file = conf("""
                virtual_server 10.0.0.1 80 {
                    lb_algo fastest
                    lb_kind NAT
                    real_server 10.0.0.2 80 {
                        weight 1
                    }
                }
                """);
        Process p = new ProcessBuilder(DirectorProcess.HOME.resolve("bin/jvs-director").toString(),
                "--keepalived-conf", file.toString(), "--config-test").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(3, p.exitValue(), out);
        assertTrue(out.contains(file + ":2: error: unknown scheduler 'fastest'"), out);
        assertTrue(out.contains(file + ":1: warning: Virtual server [10.0.0.1]:none:80: no protocol set - defaulting to UDP"), out);

        Path clean = conf(virtualServer(80, "", "    real_server 127.0.0.1 81 {\n    }\n"));
        Process ok = new ProcessBuilder(DirectorProcess.HOME.resolve("bin/jvs-director").toString(),
                "--keepalived-conf", clean.toString(), "--config-test").redirectErrorStream(true).start();
        String okOut = new String(ok.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(ok.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, ok.exitValue(), okOut);
    }

    @Test
    void configTestAlsoReportsTheVrrpPart() throws Exception {
        Path file = conf(virtualServer(80, "", "    real_server 127.0.0.1 81 {\n    }\n") + """
                vrrp_instance VI_1 {
                    interface eth0
                    priority 100
                }
                """);
        Process p = new ProcessBuilder(DirectorProcess.HOME.resolve("bin/jvs-director").toString(),
                "--keepalived-conf", file.toString(), "--config-test").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(3, p.exitValue(), out);
        assertTrue(out.matches("(?s).*" + file + ":\\d+: error: vrrp_instance VI_1: virtual_router_id is required.*"), out);
    }

    @Test
    void keepalivedConfAndVrrpConfTogetherAreRefused() throws Exception {
        Path file = conf(virtualServer(80, "", "    real_server 127.0.0.1 81 {\n    }\n"));
        Process p = new ProcessBuilder(DirectorProcess.HOME.resolve("bin/jvs-director").toString(),
                "--keepalived-conf", file.toString(), "--vrrp-conf", file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), out);
        assertTrue(out.contains("not both"), out);
    }
}

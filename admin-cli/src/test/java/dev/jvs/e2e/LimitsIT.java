package dev.jvs.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Connection caps, thousands of connections and descriptor exhaustion, through the real director. */
class LimitsIT {

    @TempDir
    Path dir;

    @Test
    void serviceAndDirectorCapsRefuseOnlyNewClients() throws Exception {
        try (EchoServer echo = new EchoServer();
             DirectorProcess director = DirectorProcess.start(dir, "--max-connections", "3")) {
            String capped = "127.0.0.1:" + NatForwardingIT.freePort();
            String open = "127.0.0.1:" + NatForwardingIT.freePort();
            director.ok("-A", "-t", capped, "-s", "rr", "--max-conns", "2");
            director.ok("-a", "-t", capped, "-r", "127.0.0.1:" + echo.port(), "-m");
            director.ok("-A", "-t", open, "-s", "rr");
            director.ok("-a", "-t", open, "-r", "127.0.0.1:" + echo.port(), "-m");

            Socket first = echoing(capped);
            Socket second = echoing(capped);
            assertRefused(capped);
            Socket third = echoing(open);
            assertRefused(open); // the director's own cap of 3
            assertEchoes(first); // running connections are untouched

            first.close();
            awaitTrue(() -> tryEcho(capped), "a slot frees when a connection ends");
            second.close();
            third.close();
            director.awaitLog("refused a client over the service's --max-conns 2"); // logged off the event loop
            assertTrue(director.ok("-S", "-n").contains("-A -t " + capped + " -s rr --max-conns 2"));
        }
    }

    @Test
    void twoThousandConcurrentConnectionsLeaveNoChannelsOrDescriptorsBehind() throws Exception {
        try (EchoServer echo = new EchoServer(); DirectorProcess director = DirectorProcess.start(dir)) {
            String vip = "127.0.0.1:" + NatForwardingIT.freePort();
            director.ok("-A", "-t", vip, "-s", "wlc");
            director.ok("-a", "-t", vip, "-r", "127.0.0.1:" + echo.port(), "-m");
            int baseline = director.openFileDescriptors();

            List<Socket> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 2000; i++) clients.add(echoing(vip));
                assertTrue(director.ok("-L", "-n").contains(String.format("%-6d %-10d", 1, 2000)),
                        "2000 active connections are listed");
                assertTrue(director.openFileDescriptors() >= baseline + 4000, "two sockets per connection");
            } finally {
                for (Socket s : clients) s.close();
            }
            awaitTrue(() -> echo.openConnections() == 0, "every backend connection was closed");
            awaitTrue(() -> fds(director) <= baseline + 8, "the director's descriptors are back to the baseline");
            String listed = director.ok("-L", "-n");
            assertTrue(listed.contains(String.format("%-6d %-10d %-10d", 1, 0, 2000)), listed); // all in TIME_WAIT
        }
    }

    @Test
    void atItsOpenFileLimitTheDirectorStopsAcceptingAndClientsWaitInTheBacklog() throws Exception {
        int metrics = NatForwardingIT.freePort();
        try (EchoServer echo = new EchoServer();
             DirectorProcess director = DirectorProcess.startWith(dir, List.of("prlimit", "--nofile=400:400"),
                     "--threads", "2", "--metrics-listen", "127.0.0.1:" + metrics)) {
            List<String> vips = new ArrayList<>();
            StringBuilder services = new StringBuilder();
            for (int i = 0; i < 10; i++) { // 20 listening sockets: one per event loop and service
                String vip = "127.0.0.1:" + NatForwardingIT.freePort();
                services.append("-A -t ").append(vip).append(" -s rr\n");
                services.append("-a -t ").append(vip).append(" -r 127.0.0.1:").append(echo.port()).append(" -m\n");
                vips.add(vip);
            }
            assertEquals(0, director.ipvsadmWithInput(services.toString(), "-R").status());
            // 400 descriptors, less what the director held at start and a margin (the reserve), less the listeners:
            // the rest holds (400 - reserve - 20) / 2 connections, two descriptors each.
            java.util.regex.Matcher gate = java.util.regex.Pattern.compile(
                    "stop accepting at (\\d+) proxied connections \\(open-file limit 400, less a reserve of (\\d+)")
                    .matcher(director.log());
            assertTrue(gate.find(), director.log());
            if (director.log().contains("transport io_uring")) {
                assertTrue(director.log().contains("transport io_uring (one accept per submission)"),
                        "a margin of 64 descriptors has no room for a multishot burst:\n" + director.log());
            }
            int cap = (400 - Integer.parseInt(gate.group(2)) - 20) / 2;
            assertTrue(cap > 50 && cap < 200, "a cap of " + cap + " connections");

            List<Socket> flood = new ArrayList<>();
            try {
                for (int i = 0; i < 400; i++) {
                    Socket s = new Socket();
                    // the kernel's backlog completes the handshake whether or not the director accepts
                    s.connect(address(vips.get(i % vips.size())), 2000);
                    s.setSoTimeout(10_000);
                    flood.add(s);
                }
                director.awaitLog("NAT listeners stopped accepting at ");
                assertEquals(0, director.ipvsadm("-L", "-n").status(), "the reserve keeps the control socket working");
                assertTrue(director.alive());
                assertEquals(0, closedByThePeer(flood), "clients the director closed");
                // Accepted up to the cap, the rest wait. Each of the 20 listening sockets may complete the one accept
                // it had under way as the gate closed: the reserve has room for them.
                awaitTrue(() -> activeConnections(director) >= cap, "connections up to the cap are served");
                int active = activeConnections(director);
                assertTrue(active >= cap && active <= cap + 20, active + " connections accepted, the cap is " + cap);
                assertEchoes(flood.get(0)); // the accepted ones are served

                // Once connections end, the clients in the backlogs are accepted and served.
                for (Socket s : flood.subList(0, 300)) s.close();
                for (Socket s : flood.subList(300, 400)) assertEchoes(s);
            } finally {
                for (Socket s : flood) s.close();
            }
            for (String vip : vips) awaitTrue(() -> tryEcho(vip), "every listener accepts");
            assertEquals(0.0, metric(metrics, "jvs_nat_accept_errors_total"), "no accept ran into EMFILE");
            assertTrue(metric(metrics, "jvs_nat_accept_pauses_total") >= 1);
            String log = director.log();
            assertFalse(log.contains("failed accept"), log);
            assertFalse(log.contains("Too many open files"), log);
            assertEquals(1, log.lines().filter(line -> line.contains("stopped accepting")).count(), log);
        }
    }

    @Test
    void withRoomForABurstIoUringAcceptsWhateverIsQueuedAtOnce() throws Exception {
        try (DirectorProcess director = DirectorProcess.startWith(dir, List.of("prlimit", "--nofile=16384:16384"))) {
            String log = director.log();
            org.junit.jupiter.api.Assumptions.assumeTrue(log.contains("transport io_uring"),
                    "io_uring is not the transport here:\n" + log);
            assertTrue(log.contains("transport io_uring (multishot accepts)"), log);
            assertTrue(log.contains("NAT listeners stop accepting at 7"), log); // (16384 - reserve) / 2
        }
    }

    @Test
    void aBatchWhoseListenersWouldTakeMoreThanHalfTheDescriptorLimitIsRefusedWhole() throws Exception {
        try (DirectorProcess director = DirectorProcess.startWith(dir, List.of("prlimit", "--nofile=300:300"),
                "--threads", "2")) {
            assertTrue(director.log().contains("open-file limit 300: NAT listeners may take 150 sockets"
                    + " (a TCP service 2, a UDP service 1)"), director.log());
            String vip = "127.0.0.1:" + NatForwardingIT.freePort();
            director.ok("-A", "-t", vip, "-s", "rr");
            director.ok("-a", "-t", vip, "-r", "127.0.0.1:9", "-m");
            String before = director.ok("-L", "-n");

            StringBuilder batch = new StringBuilder();
            for (int port = 20001; port <= 20075; port++) { // 75 more TCP NAT services: 2 + 150 sockets
                batch.append("-A -t 127.0.0.2:").append(port).append(" -s rr\n");
                batch.append("-a -t 127.0.0.2:").append(port).append(" -r 127.0.0.1:9 -m\n");
            }
            DirectorProcess.Result refused = director.ipvsadmWithInput(batch.toString(), "-R");
            assertEquals(255, refused.status());
            assertEquals("Too many open files: the NAT listeners of this table would need 152 sockets, over the"
                    + " director's budget of 150 (half its open-file limit of 300; a TCP service takes 2, one per"
                    + " event loop); raise the limit (LimitNOFILE, ulimit -n) or lower --threads\n", refused.err());
            assertEquals(before, director.ok("-L", "-n"), "nothing of the batch was applied");

            String other = "127.0.0.1:" + NatForwardingIT.freePort();
            director.ipvsadmWithInput("-A -t " + other + " -s rr\n-a -t " + other + " -r 127.0.0.1:9 -m\n", "-R");
            assertTrue(director.ok("-L", "-n").contains("TCP  " + other), "a batch within the budget is applied");
        }
    }

    private static int closedByThePeer(List<Socket> clients) throws IOException {
        int closed = 0;
        for (Socket s : clients) {
            int timeout = s.getSoTimeout();
            s.setSoTimeout(1);
            try {
                if (s.getInputStream().read() == -1) closed++;
            } catch (SocketTimeoutException open) {
                // nothing to read: still open
            } catch (SocketException reset) {
                closed++;
            } finally {
                s.setSoTimeout(timeout);
            }
        }
        return closed;
    }

    /** A counter of the director's, scraped. */
    private static double metric(int metricsPort, String name) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        String text = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        Scrape.Sample sample = Scrape.parse(text).find(name, java.util.Map.of());
        assertNotNull(sample, name + " is exported");
        return sample.value();
    }

    /** The ActiveConn column summed over every real server of {@code ipvsadm -Ln}. */
    private static int activeConnections(DirectorProcess director) {
        String listing;
        try {
            listing = director.ok("-L", "-n");
        } catch (IOException | InterruptedException e) {
            throw new RuntimeException(e);
        }
        int active = 0;
        for (String line : listing.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 6 && f[0].equals("->") && f[4].matches("\\d+")) active += Integer.parseInt(f[4]);
        }
        return active;
    }

    private static int fds(DirectorProcess director) {
        try {
            return director.openFileDescriptors();
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    private static InetSocketAddress address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }

    /** A connection through the VIP that has proven it reaches the echo server. */
    private static Socket echoing(String vip) throws IOException {
        Socket s = new Socket();
        s.connect(address(vip), 5000);
        s.setSoTimeout(5000);
        assertEchoes(s);
        return s;
    }

    private static void assertEchoes(Socket s) throws IOException {
        byte[] ping = "ping\n".getBytes(StandardCharsets.US_ASCII);
        s.getOutputStream().write(ping);
        assertArrayEquals(ping, s.getInputStream().readNBytes(ping.length));
    }

    private static boolean tryEcho(String vip) {
        try (Socket s = echoing(vip)) {
            return true;
        } catch (IOException | AssertionError e) {
            return false;
        }
    }

    private static void assertRefused(String vip) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(address(vip), 5000);
            s.setSoTimeout(5000);
            s.getOutputStream().write("ping\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals(-1, s.getInputStream().read(), "a refused client is closed without an answer");
        } catch (SocketException reset) {
            // connection reset: refused
        } catch (SocketTimeoutException e) {
            fail("a refused client must be closed at once, not left hanging");
        }
    }

    private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            if (condition.getAsBoolean()) return;
            Thread.sleep(100);
        }
        assertFalse(true, what);
    }
}

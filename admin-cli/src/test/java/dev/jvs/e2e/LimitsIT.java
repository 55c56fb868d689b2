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
    void runningOutOfDescriptorsDoesNotCrashTheDirector() throws Exception {
        int metrics = NatForwardingIT.freePort();
        try (EchoServer echo = new EchoServer();
             DirectorProcess director = DirectorProcess.startWith(dir, List.of("prlimit", "--nofile=400:400"),
                     "--threads", "2", "--metrics-listen", "127.0.0.1:" + metrics, "--connect-timeout", "20000")) {
            List<String> vips = new ArrayList<>();
            StringBuilder services = new StringBuilder();
            for (int i = 0; i < 10; i++) { // 20 listening sockets: one per event loop and service
                String vip = "127.0.0.1:" + NatForwardingIT.freePort();
                services.append("-A -t ").append(vip).append(" -s rr\n");
                services.append("-a -t ").append(vip).append(" -r 127.0.0.1:").append(echo.port()).append(" -m\n");
                vips.add(vip);
            }
            assertEquals(0, director.ipvsadmWithInput(services.toString(), "-R").status());

            List<Socket> flood = new ArrayList<>();
            try {
                for (int i = 0; i < 400; i++) {
                    Socket s = new Socket();
                    // the kernel's backlog accepts even when the director cannot
                    s.connect(address(vips.get(i % vips.size())), 2000);
                    flood.add(s);
                }
                director.awaitLog("failed accept");
                // The storm goes on: each listener with clients in its backlog fails about once a second.
                Thread.sleep(3000);
                assertTrue(director.alive(), "the director survives running out of descriptors");
                // Clients wait (in a backlog, or accepted with the last descriptor for one to come back within the
                // connect timeout); none is refused.
                assertEquals(0, closedByThePeer(flood), "clients the director closed");
            } finally {
                for (Socket s : flood) s.close();
            }
            for (String vip : vips) awaitTrue(() -> tryEcho(vip), "every listener accepts again once descriptors are free");
            assertEquals(0, director.ipvsadm("-L", "-n").status());

            double failures = acceptErrors(metrics);
            String log = director.log();
            long lines = log.lines().filter(line -> line.contains("failed accept")).count();
            assertTrue(log.contains("Too many open files"), "the limit was really reached:\n" + log);
            assertTrue(failures >= 30, "the storm lasted: " + failures + " failed accepts");
            // 20 listeners, each pausing a second after a failure, for a storm of a few seconds (one that spins on
            // EMFILE fails some 100,000 times a second)
            assertTrue(failures <= 400, failures + " failed accepts: a listener does not pause");
            assertTrue(lines >= 1 && lines <= 2, lines + " lines for " + failures + " failed accepts:\n" + log);
            assertFalse(log.contains("reached at the tail of the pipeline"), "Netty's own line per failure:\n" + log);
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
            s.setSoTimeout(1);
            try {
                if (s.getInputStream().read() == -1) closed++;
            } catch (SocketTimeoutException open) {
                // nothing to read: still open
            } catch (SocketException reset) {
                closed++;
            }
        }
        return closed;
    }

    /** jvs_nat_accept_errors_total, scraped. */
    private static double acceptErrors(int metricsPort) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        String text = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        Scrape.Sample sample = Scrape.parse(text).find("jvs_nat_accept_errors_total", java.util.Map.of());
        assertNotNull(sample, "jvs_nat_accept_errors_total is exported");
        return sample.value();
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

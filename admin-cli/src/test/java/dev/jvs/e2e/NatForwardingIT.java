package dev.jvs.e2e;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real director and the real ipvsadm CLI, with real HTTP traffic through the VIP to real backends. */
class NatForwardingIT {

    @TempDir
    Path dir;
    DirectorProcess director;
    Backends backends;
    int vipPort;
    String vip;

    @BeforeEach
    void start() throws Exception {
        backends = new Backends("A", "B", "C");
        director = DirectorProcess.start(dir);
        vipPort = freePort();
        vip = "127.0.0.1:" + vipPort;
    }

    @AfterEach
    void stop() throws Exception {
        int status = director.stop();
        backends.close();
        assertEquals(0, status, "a SIGTERM'd director exits 0");
    }

    @Test
    void rrSendsEachNewConnectionToTheNextServerNewestFirst() throws Exception {
        director.ok("-A", "-t", vip, "-s", "rr");
        for (int i = 0; i < 3; i++) director.ok("-a", "-t", vip, "-r", backends.address(i), "-m");

        // The kernel walks its list newest first: C (added last), B, A.
        assertEquals(List.of("C", "B", "A", "C", "B", "A"), requests(6));
        assertEventuallyListed("""
                IP Virtual Server version 1.2.1 (size=4096)
                Prot LocalAddress:Port Scheduler Flags
                  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
                TCP  %s rr
                """.formatted(vip) + realServerRows(2));
    }

    @Test
    void wrrFollowsTheKernelSequenceForWeightsAddedOneByOne() throws Exception {
        director.ok("-A", "-t", vip, "-s", "wrr");
        director.ok("-a", "-t", vip, "-r", backends.address(0), "-m", "-w", "4");
        director.ok("-a", "-t", vip, "-r", backends.address(1), "-m", "-w", "3");
        director.ok("-a", "-t", vip, "-r", backends.address(2), "-m", "-w", "2");

        // ipvs-schedulers.md §2.2: after adding A(4), B(3), C(2) to a fresh wrr service.
        assertEquals(List.of("C", "B", "A", "A", "B", "A", "C", "B", "A", "C", "B", "A", "A", "B", "A"),
                requests(15));
    }

    @Test
    void weightZeroTakesNoNewConnections() throws Exception {
        director.ok("-A", "-t", vip, "-s", "rr");
        director.ok("-a", "-t", vip, "-r", backends.address(0), "-m");
        director.ok("-a", "-t", vip, "-r", backends.address(1), "-m");
        director.ok("-e", "-t", vip, "-r", backends.address(1), "-m", "-w", "0");
        assertEquals(List.of("A", "A", "A"), requests(3));
    }

    @Test
    void deletingARealServerLetsItsTransferFinishIntact() throws Exception {
        director.ok("-A", "-t", vip, "-s", "rr");
        director.ok("-a", "-t", vip, "-r", backends.address(0), "-m");

        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<String> download = CompletableFuture.supplyAsync(() -> sha256Of("/big", started));
        assertTrue(started.await(20, TimeUnit.SECONDS), "the transfer started");

        director.ok("-a", "-t", vip, "-r", backends.address(1), "-m");
        director.ok("-d", "-t", vip, "-r", backends.address(0));
        assertEquals(List.of("B", "B"), requests(2), "new connections avoid the deleted server");

        assertEquals(expectedBigBodySha256(), download.get(60, TimeUnit.SECONDS), "the transfer completed intact");
    }

    @Test
    void aRefusedRealServerClosesTheClientAtOnce() throws Exception {
        int closedPort = freePort();
        director.ok("-A", "-t", vip, "-s", "rr");
        director.ok("-a", "-t", vip, "-r", "127.0.0.1:" + closedPort, "-m");
        long start = System.nanoTime();
        try (var socket = new java.net.Socket("127.0.0.1", vipPort)) {
            socket.setSoTimeout(5000);
            assertEquals(-1, socket.getInputStream().read(), "the client sees end of stream, not a hang");
        } catch (java.net.SocketException reset) {
            // a reset is also an immediate close
        }
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(4));
    }

    private List<String> requests(int count) throws Exception {
        List<String> answers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            // A fresh client per request: one TCP connection each, so each is scheduled anew.
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> response = client.send(
                    HttpRequest.newBuilder(URI.create("http://" + vip + "/")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode());
            answers.add(response.body());
        }
        return answers;
    }

    private String sha256Of(String path, CountDownLatch started) {
        try {
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<InputStream> response = client.send(
                    HttpRequest.newBuilder(URI.create("http://" + vip + path)).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[64 * 1024];
            long total = 0;
            try (InputStream in = response.body()) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    digest.update(buf, 0, n);
                    total += n;
                    if (total > 1024 * 1024) started.countDown();
                }
            }
            assertEquals(Backends.BIG_BODY, total);
            return HexFormat.of().formatHex(digest.digest());
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    private static String expectedBigBodySha256() throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        byte[] chunk = new byte[64 * 1024];
        for (int sent = 0; sent < Backends.BIG_BODY; sent += chunk.length) {
            Backends.fill(chunk, sent);
            digest.update(chunk);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** The three real-server rows (sorted by port, as ipvsadm sorts) with {@code inactive} TIME_WAIT entries each. */
    private String realServerRows(int inactive) {
        List<Integer> ports = new ArrayList<>(List.of(backends.port(0), backends.port(1), backends.port(2)));
        ports.sort(null);
        StringBuilder rows = new StringBuilder();
        for (int port : ports) {
            rows.append(String.format("  -> %-28s %-7s %-6d %-10d %-10d%n", "127.0.0.1:" + port, "Masq", 1, 0, inactive));
        }
        return rows.toString();
    }

    private void assertEventuallyListed(String expected) throws Exception {
        String listed = "";
        for (int i = 0; i < 50; i++) {
            listed = director.ok("-L", "-n");
            if (listed.equals(expected)) return;
            Thread.sleep(100);
        }
        assertEquals(expected, listed);
    }

    static int freePort() throws IOException {
        return Ports.free();
    }
}

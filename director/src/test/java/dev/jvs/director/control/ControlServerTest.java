package dev.jvs.director.control;

import dev.jvs.control.ControlReply;
import dev.jvs.control.ControlRequest;
import dev.jvs.director.conn.ConnectionTable;
import dev.jvs.director.rules.RuleTable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The control socket's bounds: request size, incomplete requests, idle clients, bad-request logging. */
class ControlServerTest {

    @TempDir
    Path dir;

    private final List<String> logged = new CopyOnWriteArrayList<>();
    private ControlServer server;

    private final RuleTable rules = new RuleTable();

    private ControlServer start(ControlServer.Limits limits) throws IOException {
        CommandExecutor executor = new CommandExecutor(rules, new ConnectionTable(12, rules::timeouts));
        server = new ControlServer(dir.resolve("jvs.sock"), executor, limits, logged::add);
        server.start();
        return server;
    }

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    private SocketChannel connect() throws IOException {
        return SocketChannel.open(UnixDomainSocketAddress.of(server.path()));
    }

    private static byte[] bytesOf(ControlRequest request) throws IOException {
        StringWriter text = new StringWriter();
        request.write(text);
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Sends {@code request} as the CLI does (a write failure does not stop it reading the reply). */
    private ControlReply exchange(byte[] request) throws IOException {
        try (SocketChannel ch = connect()) {
            try {
                ByteBuffer buf = ByteBuffer.wrap(request);
                while (buf.hasRemaining()) ch.write(buf);
                ch.shutdownOutput();
            } catch (IOException refusedEarly) {
                // the reply says why
            }
            return ControlReply.read(new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8)));
        }
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) fail("timed out waiting until " + what);
            Thread.sleep(10);
        }
    }

    @Test
    void aRestoreOf100000ServicesFitsAndALargerRequestIsRefusedWithAClearError() throws Exception {
        List<ControlRequest.Line> lines = new ArrayList<>();
        lines.add(new ControlRequest.Line(1, List.of("-C")));
        int n = 2;
        for (int i = 0; i < 100_000; i++) {
            String vip = "10." + (i >> 16) + "." + ((i >> 8) & 255) + "." + (i & 255) + ":80";
            lines.add(new ControlRequest.Line(n++, List.of("-A", "-t", vip, "-s", "wlc")));
            lines.add(new ControlRequest.Line(n++, List.of("-a", "-t", vip, "-r", "192.168.1.1:8080", "-m", "-w", "1")));
            lines.add(new ControlRequest.Line(n++, List.of("-a", "-t", vip, "-r", "192.168.1.2:8080", "-m", "-w", "1")));
        }
        byte[] restore = bytesOf(new ControlRequest("ipvsadm-restore", true, lines));
        start(ControlServer.Limits.DEFAULT);
        assertTrue(restore.length < ControlServer.Limits.DEFAULT.maxRequestBytes(), restore.length + " bytes");
        ControlReply received = exchange(restore);
        assertEquals(0, received.status(), received.stderr());
        assertEquals(100_000, rules.services().size());

        byte[] oversized = new byte[ControlServer.Limits.DEFAULT.maxRequestBytes() + 1];
        System.arraycopy(restore, 0, oversized, 0, restore.length);
        ControlReply refused = exchange(oversized);
        assertEquals(255, refused.status());
        assertEquals("control request too large: more than 33554432 bytes\n", refused.stderr());
    }

    @Test
    void aHalfSentRequestIsClosedAfterTheTimeout() throws Exception {
        start(new ControlServer.Limits(1 << 20, Duration.ofMillis(500), 64, Duration.ofSeconds(10)));
        try (SocketChannel ch = connect()) {
            ch.write(ByteBuffer.wrap("jvs1\tipvsadm\tsingle\n1\t-L".getBytes(StandardCharsets.UTF_8)));
            long start = System.nanoTime();
            ByteBuffer buf = ByteBuffer.allocate(16);
            int read = ch.read(buf); // blocks until the director closes the connection
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(-1, read, "closed without a reply");
            assertTrue(waited >= 400 && waited < 10_000, "closed after the timeout, took " + waited + " ms");
        }
        await(() -> logged.contains("bad control request: a request incomplete after 0 s was dropped"), "it is logged");
    }

    @Test
    void fiveHundredIdleClientsAddNoThreadsAndDoNotBlockOthers() throws Exception {
        start(new ControlServer.Limits(1 << 20, Duration.ofSeconds(30), 1000, Duration.ofSeconds(10)));
        exchange(bytesOf(ControlRequest.single("ipvsadm", List.of("-Ln")))); // the request thread exists now
        int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
        List<SocketChannel> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 500; i++) idle.add(connect());
            await(() -> server.clients() == 500, "the director holds all 500");
            int threadsDuring = ManagementFactory.getThreadMXBean().getThreadCount();
            assertTrue(threadsDuring - threadsBefore < 5, "threads " + threadsBefore + " -> " + threadsDuring);
            ControlReply reply = exchange(bytesOf(ControlRequest.single("ipvsadm", List.of("-Ln"))));
            assertEquals(0, reply.status(), "a real client is still served");
        } finally {
            for (SocketChannel ch : idle) ch.close();
        }
        await(() -> server.clients() == 0, "every idle client is gone");
    }

    @Test
    void clientsBeyondTheLimitAreToldSo() throws Exception {
        start(new ControlServer.Limits(1 << 20, Duration.ofSeconds(30), 2, Duration.ofSeconds(10)));
        try (SocketChannel a = connect(); SocketChannel b = connect()) {
            await(() -> server.clients() == 2, "two clients are held");
            ControlReply reply = exchange(bytesOf(ControlRequest.single("ipvsadm", List.of("-Ln"))));
            assertEquals(255, reply.status());
            assertEquals("too many control clients at once (2); try again\n", reply.stderr());
        }
    }

    @Test
    void aFloodOfBadRequestsLogsOneLinePerInterval() throws Exception {
        List<Long> when = new CopyOnWriteArrayList<>();
        logged.clear();
        RuleTable rules = new RuleTable();
        server = new ControlServer(dir.resolve("jvs.sock"), new CommandExecutor(rules, new ConnectionTable(12, rules::timeouts)),
                new ControlServer.Limits(1 << 20, Duration.ofSeconds(30), 64, Duration.ofSeconds(1)), line -> {
                    when.add(System.nanoTime());
                    logged.add(line);
                });
        server.start();
        long start = System.nanoTime();
        int sent = 0;
        while (System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(1500)) {
            ControlReply reply = exchange("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.UTF_8));
            assertEquals("bad control request: not a JVS control request\n", reply.stderr());
            sent++;
        }
        int total = sent;
        await(() -> logged.stream().mapToInt(ControlServerTest::countOf).sum() == total, "every bad request is counted");
        assertTrue(sent > 20, "a flood: " + sent);
        assertTrue(logged.size() < sent / 5, logged.size() + " lines for " + sent + " bad requests: " + logged);
        for (int i = 1; i < when.size(); i++) {
            long gap = TimeUnit.NANOSECONDS.toMillis(when.get(i) - when.get(i - 1));
            assertTrue(gap >= 990, "lines at least an interval apart: " + gap + " ms in " + logged);
        }
        assertEquals("bad control request: not a JVS control request", logged.get(0));
        assertTrue(logged.get(1).matches("[0-9]+ more bad control requests in the last 1.0 s \\(the last: not a JVS control request\\)"),
                logged.get(1));
    }

    private static int countOf(String line) {
        return line.startsWith("bad control request") ? 1 : Integer.parseInt(line.substring(0, line.indexOf(' ')));
    }
}

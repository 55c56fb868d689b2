package dev.jvs.healthcheck;

import com.sun.net.httpserver.HttpServer;
import dev.jvs.healthcheck.config.CheckSpec;
import dev.jvs.healthcheck.config.GlobalSettings;
import dev.jvs.healthcheck.config.Location;
import dev.jvs.healthcheck.config.ScriptDef;
import dev.jvs.healthcheck.config.StatusCodes;
import dev.jvs.healthcheck.script.ScriptRunner;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each checker type against a small local server. */
class CheckersTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final Duration TIMEOUT = Duration.ofSeconds(3);
    private static EventLoopGroup group;
    private static HttpServer http;
    private static ScheduledExecutorService timer;

    @TempDir
    Path dir;

    @BeforeAll
    static void setUp() throws Exception {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        timer = Executors.newSingleThreadScheduledExecutor();
        http = HttpServer.create(new InetSocketAddress(LOOPBACK, 0), 50);
        http.createContext("/", exchange -> {
            byte[] body = ("hello from " + exchange.getRequestHeaders().getFirst("Host")).getBytes(StandardCharsets.UTF_8);
            int status = exchange.getRequestURI().getPath().equals("/down") ? 503 : 200;
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        http.start();
    }

    @AfterAll
    static void tearDown() {
        http.stop(0);
        timer.shutdownNow();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    private static CheckResult http(String path, String digest, StatusCodes codes) throws Exception {
        CheckSpec.Http spec = new CheckSpec.Http(false, List.of(new CheckSpec.Url(path, Optional.ofNullable(digest), codes,
                Optional.of("www.example.com"))), Optional.empty(), "1.0", Optional.empty(), false);
        TcpCheckConfig connection = TcpCheckConfig.of(new InetSocketAddress(LOOPBACK, http.getAddress().getPort()), TIMEOUT);
        return new HttpCheck(spec, connection, group, NioSocketChannel.class).check().get(10, TimeUnit.SECONDS);
    }

    @Test
    void httpGetIsUpOnAnAcceptedStatusAndMatchingDigest() throws Exception {
        String md5 = HttpCheck.Response.parse(("HTTP/1.0 200 OK\r\n\r\nhello from www.example.com").getBytes(), true).md5();
        CheckResult result = http("/", md5, StatusCodes.DEFAULT);
        assertTrue(result.up(), result.reason());
    }

    @Test
    void httpGetIsDownOnAStatusOutsideTheRangeNamingStatusAndServer() throws Exception {
        CheckResult result = http("/down", null, StatusCodes.DEFAULT);
        assertFalse(result.up());
        assertEquals("HTTP status 503 from 127.0.0.1:" + http.getAddress().getPort() + " for /down", result.reason());
        assertTrue(http("/down", null, StatusCodes.parse(List.of("200", "500-503"))).up());
    }

    @Test
    void httpGetIsDownOnADigestMismatch() throws Exception {
        CheckResult result = http("/", "00000000000000000000000000000000", StatusCodes.DEFAULT);
        assertFalse(result.up());
        assertTrue(result.reason().startsWith("MD5 digest mismatch for /"), result.reason());
    }

    @Test
    void smtpCheckNeedsBannerAndHeloAccepted() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 5, LOOPBACK)) {
            Thread t = new Thread(() -> {
                try (Socket s = server.accept();
                     BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream()));
                     PrintWriter out = new PrintWriter(s.getOutputStream(), true)) {
                    out.print("220-mail.example.com ESMTP\r\n220 ready\r\n");
                    out.flush();
                    String helo = in.readLine();
                    out.print(helo.equals("HELO lb.example.com") ? "250 hello\r\n" : "500 what\r\n");
                    out.flush();
                    in.readLine();
                } catch (Exception ignored) {
                    // the test sees the result
                }
            });
            t.start();
            CheckResult result = new SmtpCheck("lb.example.com", TcpCheckConfig.of(
                    new InetSocketAddress(LOOPBACK, server.getLocalPort()), TIMEOUT), group, NioSocketChannel.class)
                    .check().get(10, TimeUnit.SECONDS);
            assertTrue(result.up(), result.reason());
        }
    }

    @Test
    void dnsCheckIsUpOnAReplyWithTheSameIdAndRcodeZero() throws Exception {
        try (DatagramSocket server = new DatagramSocket(0, LOOPBACK)) {
            Thread t = new Thread(() -> {
                try {
                    DatagramPacket query = new DatagramPacket(new byte[512], 512);
                    server.receive(query);
                    byte[] reply = java.util.Arrays.copyOf(query.getData(), query.getLength());
                    reply[2] |= (byte) 0x80; // QR
                    server.send(new DatagramPacket(reply, reply.length, query.getSocketAddress()));
                } catch (Exception ignored) {
                    // the test sees the result
                }
            });
            t.start();
            CheckResult result = new DnsCheck("A", "example.com", new InetSocketAddress(LOOPBACK, server.getLocalPort()),
                    Optional.empty(), TIMEOUT, group, NioDatagramChannel.class).check().get(10, TimeUnit.SECONDS);
            assertTrue(result.up(), result.reason());
        }
    }

    @Test
    void udpCheckWithoutRequireReplyFailsOnPortUnreachable() throws Exception {
        int closed;
        try (DatagramSocket s = new DatagramSocket(0, LOOPBACK)) {
            closed = s.getLocalPort();
        }
        CheckSpec.Udp spec = new CheckSpec.Udp(new byte[] {1, 2, 3}, false, Optional.empty(), 0, 255);
        CheckResult result = new UdpCheck(spec, new InetSocketAddress(LOOPBACK, closed), Optional.empty(),
                Duration.ofSeconds(2), group, NioDatagramChannel.class).check().get(10, TimeUnit.SECONDS);
        assertFalse(result.up(), result.reason());
        assertEquals("port unreachable at 127.0.0.1:" + closed, result.reason());
    }

    @Test
    void udpReplyPatternAllowsWildcardNibbles() {
        assertTrue(UdpCheck.matches("6FX0", new byte[] {0x6f, 0x30, 0x55}));
        assertFalse(UdpCheck.matches("6F6B", new byte[] {0x6f, 0x6c}));
    }

    private ScriptDef script(String body) throws Exception {
        Path file = dir.resolve("check-" + System.nanoTime() + ".sh");
        Files.writeString(file, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return new ScriptDef(List.of(file.toString()), Optional.empty(), Optional.empty(), new Location(file, 1));
    }

    @Test
    void miscCheckWithDynamicWeightTurnsExitStatusIntoWeight() throws Exception {
        ScriptRunner runner = new ScriptRunner(GlobalSettings.DEFAULTS, timer);
        CheckResult result = new MiscCheck(new CheckSpec.Misc(script("exit 12"), TIMEOUT, true), runner, 1)
                .check().get(10, TimeUnit.SECONDS);
        assertTrue(result.up());
        assertEquals(OptionalInt.of(10), result.weight());
        assertFalse(new MiscCheck(new CheckSpec.Misc(script("exit 12"), TIMEOUT, false), runner, 1)
                .check().get(10, TimeUnit.SECONDS).up(), "2..255 without misc_dynamic is a failure");
        assertFalse(new MiscCheck(new CheckSpec.Misc(script("exit 1"), TIMEOUT, true), runner, 1)
                .check().get(10, TimeUnit.SECONDS).up());
    }

    @Test
    void miscCheckKilledAtItsTimeoutIsDown() throws Exception {
        ScriptRunner runner = new ScriptRunner(GlobalSettings.DEFAULTS, timer);
        CheckResult result = new MiscCheck(new CheckSpec.Misc(script("sleep 30"), Duration.ofMillis(300), false), runner, 1)
                .check().get(10, TimeUnit.SECONDS);
        assertFalse(result.up());
        assertTrue(result.reason().contains("timed out after 300ms"), result.reason());
    }

    @Test
    void scriptSecurityRefusesAScriptOthersCanWrite() throws Exception {
        ScriptDef script = script("exit 0");
        Files.setPosixFilePermissions(Path.of(script.command().get(0)), PosixFilePermissions.fromString("rwxrwxrwx"));
        GlobalSettings secure = new GlobalSettings(Optional.empty(), Optional.of("root"), Optional.empty(), true, false);
        Optional<String> refusal = new ScriptRunner(secure, timer).refusal(script);
        assertTrue(refusal.isPresent());
        assertTrue(refusal.get().contains("unsafe permissions"), refusal.get());
        GlobalSettings relaxed = new GlobalSettings(Optional.empty(), Optional.of("root"), Optional.empty(), false, false);
        assertEquals(Optional.empty(), new ScriptRunner(relaxed, timer).refusal(script), "only logged without enable_script_security");
    }

    @Test
    void genhashPrintsTheDigestTheCheckerCompares() throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int status = Genhash.run(List.of("-s", "127.0.0.1", "-p", Integer.toString(http.getAddress().getPort()), "-u", "/",
                "-V", "www.example.com"), new java.io.PrintStream(out, true), System.err);
        assertEquals(0, status);
        String digest = out.toString().trim();
        assertEquals(java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5")
                .digest("hello from www.example.com".getBytes(StandardCharsets.UTF_8))), digest);
        assertTrue(http("/", digest, StatusCodes.DEFAULT).up());
    }
}

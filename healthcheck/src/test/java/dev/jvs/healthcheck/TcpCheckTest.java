package dev.jvs.healthcheck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class TcpCheckTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final Duration TIMEOUT = Duration.ofSeconds(3);

    private static EventLoopGroup group;

    @BeforeAll
    static void startEventLoop() {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stopEventLoop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static CheckResult runCheck(TcpCheckConfig config) throws Exception {
        // Bounded wait: a broken check must fail the test, never hang the build.
        return new TcpCheck(config, group, NioSocketChannel.class).check().get(10, TimeUnit.SECONDS);
    }

    @Test
    void listeningServerIsUp() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, LOOPBACK)) {
            CheckResult result = runCheck(TcpCheckConfig.of(
                    new InetSocketAddress(LOOPBACK, server.getLocalPort()), TIMEOUT));

            assertEquals(CheckResult.up("connected to 127.0.0.1:" + server.getLocalPort()), result);
        }
    }

    @Test
    void closedPortIsDownAsRefused() throws Exception {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0, 1, LOOPBACK)) {
            closedPort = probe.getLocalPort();
        }

        CheckResult result = runCheck(TcpCheckConfig.of(new InetSocketAddress(LOOPBACK, closedPort), TIMEOUT));

        assertEquals(CheckResult.down("connection refused by 127.0.0.1:" + closedPort), result);
    }

    @Test
    void unansweredHandshakeIsDownAfterTheConnectTimeout() throws Exception {
        try (FullAcceptQueue blackhole = new FullAcceptQueue()) {
            long started = System.nanoTime();

            CheckResult result = runCheck(TcpCheckConfig.of(blackhole.address(), Duration.ofMillis(400)));

            long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertEquals(CheckResult.down("connect timeout after 400ms to 127.0.0.1:" + blackhole.address().getPort()),
                    result);
            assertTrue(elapsedMillis >= 350, "gave up too early: " + elapsedMillis + " ms");
        }
    }

    @Test
    void connectionLeavesFromTheBindtoAddress() throws Exception {
        InetAddress source = InetAddress.getByName("127.0.0.2");
        try (ServerSocket server = new ServerSocket(0, 50, LOOPBACK)) {
            CheckResult result = runCheck(TcpCheckConfig.of(
                    new InetSocketAddress(LOOPBACK, server.getLocalPort()), TIMEOUT).withBindTo(source));

            assertTrue(result.up(), result.reason());
            try (Socket accepted = server.accept()) {
                assertEquals(source, accepted.getInetAddress());
            }
        }
    }

    @Test
    void bindtoAddressNotOnThisHostIsDownNamingIt() throws Exception {
        // 192.0.2.0/24 is reserved for documentation: binding to it fails locally, nothing is sent.
        InetAddress foreign = InetAddress.getByName("192.0.2.1");
        try (ServerSocket server = new ServerSocket(0, 50, LOOPBACK)) {
            CheckResult result = runCheck(TcpCheckConfig.of(
                    new InetSocketAddress(LOOPBACK, server.getLocalPort()), TIMEOUT).withBindTo(foreign));

        assertFalse(result.up());
            assertTrue(result.reason().startsWith(
                    "connect to 127.0.0.1:" + server.getLocalPort() + " from 192.0.2.1 failed: "), result.reason());
        }
    }

    @Test
    void oneCheckerRunsRepeatedly() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, LOOPBACK)) {
            TcpCheck check = new TcpCheck(TcpCheckConfig.of(
                    new InetSocketAddress(LOOPBACK, server.getLocalPort()), TIMEOUT), group, NioSocketChannel.class);

            assertTrue(check.check().get(10, TimeUnit.SECONDS).up());
            assertTrue(check.check().get(10, TimeUnit.SECONDS).up());
        }
    }

    @Test
    void shutDownEventLoopGivesADownResultInsteadOfAFailedFuture() throws Exception {
        EventLoopGroup stopped = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        stopped.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        TcpCheck check = new TcpCheck(TcpCheckConfig.of(new InetSocketAddress(LOOPBACK, 9), TIMEOUT),
                stopped, NioSocketChannel.class);

        CheckResult result = check.check().get(10, TimeUnit.SECONDS);

        assertFalse(result.up());
        assertTrue(result.reason().contains("127.0.0.1:9"), result.reason());
    }

    @Test
    void timeoutsAreWrittenAsOperatorsWriteThem() {
        assertEquals("3s", TcpCheck.format(Duration.ofSeconds(3)));
        assertEquals("250ms", TcpCheck.format(Duration.ofMillis(250)));
        assertEquals("1500ms", TcpCheck.format(Duration.ofMillis(1500)));
    }

    @Test
    void configRejectsHostNamesAndNonPositiveTimeouts() {
        assertThrows(IllegalArgumentException.class,
                () -> TcpCheckConfig.of(InetSocketAddress.createUnresolved("rs1.example", 80), TIMEOUT));
        assertThrows(IllegalArgumentException.class,
                () -> TcpCheckConfig.of(new InetSocketAddress(LOOPBACK, 80), Duration.ZERO));
    }
}

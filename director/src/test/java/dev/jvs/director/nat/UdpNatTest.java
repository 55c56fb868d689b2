package dev.jvs.director.nat;

import dev.jvs.director.conn.Connection;
import dev.jvs.director.conn.ConnectionTable;
import dev.jvs.director.conn.Scheduling;
import dev.jvs.director.net.Transport;
import dev.jvs.director.rules.Dest;
import dev.jvs.director.rules.RuleTable;
import dev.jvs.model.ForwardMethod;
import dev.jvs.model.Protocol;
import dev.jvs.model.RealServerConfig;
import dev.jvs.model.ServiceConfig;
import dev.jvs.model.ServiceKey;
import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.jvs.director.rules.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The UDP NAT path with real sockets on loopback: sessions, their expiry, one-packet scheduling and draining. */
class UdpNatTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private final List<AutoCloseable> closeLast = new ArrayList<>();
    private final RuleTable rules = new RuleTable();
    private final ConnectionTable connections = new ConnectionTable(8, rules::timeouts);
    private final List<NamedServer> servers = new ArrayList<>();
    private final ConnectionLimits limits = new ConnectionLimits(0);
    private ServiceKey vip;
    private NatProxy nat;

    private static final int WORKERS = 2;
    private Transport transport;

    private void start(Transport transport) throws IOException {
        this.transport = transport;
        EventLoopGroup acceptors = transport.newGroup(1);
        EventLoopGroup workers = transport.newGroup(WORKERS);
        closeLast.add(() -> workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly());
        closeLast.add(() -> acceptors.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly());
        nat = new NatProxy(transport, acceptors, workers, rules, connections,
                new Scheduling(connections, System::nanoTime), limits);
        dev.jvs.director.rules.Subscription subscription = rules.subscribe("nat", nat);
        closeLast.add(0, () -> rules.unsubscribe(subscription));
        vip = ServiceKey.of(Protocol.UDP, LOOPBACK, freeUdpPort());
        servers.add(new NamedServer("A"));
        servers.add(new NamedServer("B"));
    }

    @AfterEach
    void stop() throws Exception {
        if (nat != null) nat.close();
        for (NamedServer s : servers) s.close();
        for (AutoCloseable c : closeLast) c.close();
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aClientKeepsItsRealServerAndEveryDatagramIsCountedBothWays(Transport transport) throws Exception {
        assumeTrue(transport.available(), transport + " is not available here");
        start(transport);
        rrServiceWith("A", "B");
        try (Client one = new Client(); Client two = new Client()) {
            assertEquals(List.of("B", "B", "B"), List.of(one.ask("q"), one.ask("q"), one.ask("q")),
                    "the newest real server first, then the same one for the whole session");
            assertEquals("A", two.ask("hello"));

            assertEquals(2, connections.size());
            Connection entry = connections.get(Protocol.UDP, one.address(), vipAddress());
            assertEquals("UDP", entry.stateName());
            assertEquals(servers.get(1).address(), entry.destination());
            Dest b = dest("B");
            assertEquals(0, b.activeConns(), "UDP entries are inactive, as in IPVS");
            assertEquals(1, b.inactiveConns());
            assertEquals(1, b.stats().conns());
            assertEquals(3, b.stats().inPkts());
            assertEquals(3, b.stats().outPkts());
            assertEquals(3, b.stats().inBytes());
            assertEquals(3 * "B:q".length(), b.stats().outBytes());
        }
    }

    @Test
    void anIdleSessionEndsWithItsEntryAfterTheUdpTimeout() throws Exception {
        start(Transport.best());
        apply(rules, set(0, 0, 1));
        rrServiceWith("A", "B");
        try (Client client = new Client()) {
            assertEquals("B", client.ask("q"));
            assertEquals(1, connections.size());
            awaitTrue(() -> connections.size() == 0, "the entry leaves the table after 1 s idle");
            assertEquals(0, dest("B").inactiveConns());
            assertEquals("A", client.ask("q"), "the next datagram is a new session, scheduled anew");
            assertEquals(1, connections.size());
        }
    }

    @Test
    void eachDatagramReArmsTheSession() throws Exception {
        start(Transport.best());
        apply(rules, set(0, 0, 2));
        rrServiceWith("A", "B");
        try (Client client = new Client()) {
            for (int i = 0; i < 8; i++) {
                assertEquals("B", client.ask("q"));
                Thread.sleep(500);
            }
            assertEquals(1, dest("B").stats().conns(), "4 s of traffic with a 2 s timeout: still one session");
            Connection entry = connections.get(Protocol.UDP, client.address(), vipAddress());
            assertTrue(entry.expiresInSeconds(System.nanoTime()) < 2, "a UDP entry counts down while idle");
        }
    }

    @Test
    void maxConnsRefusesNewClientsUntilASessionEnds() throws Exception {
        start(Transport.best());
        apply(rules, set(0, 0, 3)); // long enough to outlive the refused client's 1 s wait
        apply(rules, addService(new ServiceConfig(vip, "rr", false, 360, ServiceConfig.IPV4_HOST_MASK, null,
                false, 0, 1)));
        addServers("A", "B");
        try (Client first = new Client(); Client second = new Client()) {
            assertEquals("B", first.ask("q"));
            assertNull(second.askOrNull("q"), "a second client is over --max-conns 1");
            assertEquals("B", first.ask("q"), "the admitted session is untouched");
            assertEquals(1, limits.refused());
            awaitTrue(() -> connections.size() == 0, "the session expires after 3 s idle");
            assertEquals("A", second.ask("q"), "its slot is free again");
        }
    }

    @Test
    void onePacketSchedulingSendsEachDatagramOnItsOwnAndListsNothing() throws Exception {
        start(Transport.best());
        apply(rules, addService(new ServiceConfig(vip, "rr", false, 360, ServiceConfig.IPV4_HOST_MASK, null,
                true, 0)));
        addServers("A", "B");
        try (Client client = new Client()) {
            List<String> answers = new ArrayList<>();
            for (int i = 0; i < 4; i++) answers.add(client.ask("q"));
            assertEquals(List.of("B", "A", "B", "A"), answers);
        }
        assertEquals(0, connections.size(), "one-packet connections are never listed");
        for (String name : List.of("A", "B")) {
            assertEquals(2, dest(name).stats().conns());
            assertEquals(0, dest(name).inactiveConns(), "+1 then -1 per datagram");
        }
    }

    @Test
    void onePacketWithPersistenceSendsAllOfAClientsDatagramsToItsTemplatesServer() throws Exception {
        start(Transport.best());
        apply(rules, addService(new ServiceConfig(vip, "rr", true, 60, ServiceConfig.IPV4_HOST_MASK, null,
                true, 0)));
        addServers("A", "B");
        InetAddress first = addr("127.0.0.2");
        InetAddress second = addr("127.0.0.3");
        List<String> firstAnswers = new ArrayList<>();
        List<String> secondAnswers = new ArrayList<>();
        for (int port = 0; port < 3; port++) {
            // a new source port each time: only the template keeps the client on its server
            try (Client a = new Client(first); Client b = new Client(second)) {
                firstAnswers.add(a.ask("q"));
                firstAnswers.add(a.ask("q"));
                secondAnswers.add(b.ask("q"));
            }
        }
        assertEquals(List.of("B", "B", "B", "B", "B", "B"), firstAnswers, "the first client's template: B");
        assertEquals(List.of("A", "A", "A"), secondAnswers, "the next client is scheduled: A");
        assertEquals(2, connections.size(), "one template per client, no one-packet connection");
        Connection template = connections.get(Protocol.UDP, new InetSocketAddress(first, 0), vipAddress());
        assertTrue(template.isTemplate());
        assertEquals(servers.get(1).address(), template.destination());
        assertEquals(0, template.controlledCount());
        assertTrue(template.expiresInSeconds(System.nanoTime()) > 50, "re-armed with the persistence timeout");
        assertEquals(6, dest("B").stats().conns(), "one connection per datagram");
        assertEquals(3, dest("A").stats().conns());
        assertEquals(1, dest("B").persistConns());
        assertEquals(0, dest("A").inactiveConns() + dest("B").inactiveConns(), "+1 then -1 per datagram");
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void datagramsOfEverySizeUpToTheLargestPassWholeBothWays(boolean onePacket) throws Exception {
        start(Transport.best());
        try (EchoServer echo = new EchoServer();
             DatagramSocket client = new DatagramSocket(0, LOOPBACK)) {
            apply(rules, addService(new ServiceConfig(vip, "rr", false, 360, ServiceConfig.IPV4_HOST_MASK, null,
                    onePacket, 0)));
            apply(rules, addServer(vip, RealServerConfig.of(LOOPBACK, echo.port(), ForwardMethod.MASQ, 1)));
            awaitBound();
            client.setSoTimeout(3000);
            java.util.Random random = new java.util.Random(7);
            long bytes = 0;
            for (int size : new int[] {65_507, 1, 100, 65_507, 1_500, 33_000}) { // 65,507: IPv4's largest
                byte[] payload = new byte[size];
                random.nextBytes(payload);
                client.send(new DatagramPacket(payload, size, vipAddress()));
                DatagramPacket in = new DatagramPacket(new byte[65_535], 65_535);
                client.receive(in);
                assertEquals(size, in.getLength(), "the echo of a " + size + "-byte datagram");
                assertArrayEquals(payload, java.util.Arrays.copyOf(in.getData(), in.getLength()));
                bytes += size;
            }
            Dest echoDest = rules.find(vip).dests().get(0);
            assertEquals(bytes, echoDest.stats().inBytes());
            assertEquals(bytes, echoDest.stats().outBytes());
        }
    }

    @Test
    void onePacketReusesItsUpstreamSocketsInsteadOfOpeningOnePerDatagram() throws Exception {
        start(Transport.best());
        apply(rules, addService(new ServiceConfig(vip, "rr", false, 360, ServiceConfig.IPV4_HOST_MASK, null,
                true, 0)));
        addServers("A", "B");
        try (Client client = new Client()) {
            client.ask("warm-up");
            long fdsBefore = openFds();
            for (int i = 0; i < 1000; i++) {
                client.ask("q" + i);
            }
            // One client, one datagram at a time: one upstream socket per real server carries them all.
            assertEquals(1, servers.get(0).sourcePorts.size(), "A saw " + servers.get(0).sourcePorts);
            assertEquals(1, servers.get(1).sourcePorts.size(), "B saw " + servers.get(1).sourcePorts);
            assertTrue(openFds() <= fdsBefore + 2, "open fds: " + fdsBefore + " before, " + openFds() + " after");
        }
        assertEquals(500, dest("A").stats().conns(), "rr alternates, one connection per datagram");
        assertEquals(501, dest("B").stats().conns());
        assertEquals(0, dest("A").inactiveConns() + dest("B").inactiveConns());
    }

    @Test
    void onePacketRepliesReachTheirOwnClientsUnderConcurrency() throws Exception {
        start(Transport.best());
        apply(rules, addService(new ServiceConfig(vip, "rr", false, 360, ServiceConfig.IPV4_HOST_MASK, null,
                true, 0)));
        addServers("A", "B");
        // awaitBound saw one SO_REUSEPORT socket per event loop (io_uring, epoll) on the VIP
        int clients = 16;
        int queries = 50;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(clients);
        try {
            List<java.util.concurrent.Future<Integer>> results = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int id = c;
                results.add(pool.submit(() -> {
                    try (Client client = new Client()) {
                        for (int q = 0; q < queries; q++) {
                            client.ask("client" + id + "-query" + q); // checks the reply echoes this very query
                        }
                    }
                    return queries;
                }));
            }
            int answered = 0;
            for (java.util.concurrent.Future<Integer> r : results) answered += r.get(60, TimeUnit.SECONDS);
            assertEquals(clients * queries, answered);
        } finally {
            pool.shutdownNow();
        }
        assertEquals(clients * queries, dest("A").stats().conns() + dest("B").stats().conns());
        assertEquals(0, dest("A").inactiveConns() + dest("B").inactiveConns());
        int upstreamPorts = servers.get(0).sourcePorts.size() + servers.get(1).sourcePorts.size();
        assertTrue(upstreamPorts <= 2 * 2 * clients, "at most one socket per datagram in flight: " + upstreamPorts);
    }

    @Test
    void aDeletedRealServerKeepsItsSessionsButGetsNoNewOnes() throws Exception {
        start(Transport.best());
        rrServiceWith("A", "B");
        try (Client old = new Client(); Client fresh = new Client(); Client another = new Client()) {
            assertEquals("B", old.ask("q"));
            apply(rules, deleteServer(vip, LOOPBACK.getHostAddress(), servers.get(1).port()));
            assertEquals("B", old.ask("q"), "the session drains on its deleted real server");
            assertEquals("A", fresh.ask("q"));
            assertEquals("A", another.ask("q"));
            apply(rules, deleteServer(vip, LOOPBACK.getHostAddress(), servers.get(0).port()));
            assertEquals("B", old.ask("q"), "a service without real servers keeps serving its sessions");
        }
    }

    @Test
    void aServiceWithoutRealServersDropsNewClientsDatagrams() throws Exception {
        start(Transport.best());
        apply(rules, addService(vip, "rr"));
        awaitBound();
        try (Client client = new Client()) {
            assertNull(client.askOrNull("q"));
            assertEquals(0, connections.size());
        }
    }

    @Test
    void deletingTheServiceEndsItsSessions() throws Exception {
        start(Transport.best());
        rrServiceWith("A", "B");
        try (Client client = new Client()) {
            assertEquals("B", client.ask("q"));
            Dest b = dest("B");
            apply(rules, deleteService(vip));
            awaitTrue(() -> connections.size() == 0, "the session's entry is removed");
            assertEquals(0, b.inactiveConns());
            assertNull(client.askOrNull("q"), "nothing answers on the VIP any more");
        }
    }

    // ---- helpers ----

    private void rrServiceWith(String... names) throws Exception {
        apply(rules, addService(vip, "rr"));
        addServers(names);
    }

    private void addServers(String... names) throws Exception {
        for (String name : names) {
            NamedServer s = servers.stream().filter(x -> x.name.equals(name)).findFirst().orElseThrow();
            apply(rules, addServer(vip, RealServerConfig.of(LOOPBACK, s.port(), ForwardMethod.MASQ, 1)));
        }
        awaitBound();
    }

    private static dev.jvs.model.Command.RuleChange deleteServer(ServiceKey key, String ip, int port) {
        return new dev.jvs.model.Command.DeleteServer(key, RealServerConfig.of(addr(ip), port, ForwardMethod.MASQ, 1));
    }

    private Dest dest(String name) {
        int port = servers.stream().filter(x -> x.name.equals(name)).findFirst().orElseThrow().port();
        return rules.find(vip).findDest(RealServerConfig.of(LOOPBACK, port, ForwardMethod.MASQ, 1));
    }

    private InetSocketAddress vipAddress() {
        return new InetSocketAddress(vip.address(), vip.port());
    }

    /**
     * Waits until the service's sockets are bound (binding is asynchronous): one per event loop with
     * SO_REUSEPORT, one with NIO, as /proc/net/udp lists them. Asked of the proxy and the kernel, not probed by
     * binding the port: a probe holding the port for a moment could make the listener's own bind fail.
     */
    private void awaitBound() throws InterruptedException {
        long sockets = transport == Transport.NIO ? 1 : WORKERS;
        awaitTrue(() -> nat.listening(vip) && boundUdpSockets(vip.port()) == sockets,
                "the VIP is bound by " + sockets + " socket(s)");
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) fail("timed out waiting: " + what);
            Thread.sleep(20);
        }
    }

    /**
     * A free port below the kernel's ephemeral range (32768+), so that no socket opened meanwhile by this or
     * another process takes it before the director binds it.
     */
    private static int freeUdpPort() throws SocketException {
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        for (int attempt = 0; ; attempt++) {
            int port = 20_000 + random.nextInt(12_000);
            try (DatagramSocket s = new DatagramSocket(port, LOOPBACK)) {
                return s.getLocalPort();
            } catch (SocketException taken) {
                if (attempt > 100) throw taken;
            }
        }
    }

    /** This JVM's open file descriptors (the director runs in it). */
    private static long openFds() throws IOException {
        try (java.util.stream.Stream<java.nio.file.Path> fds = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    /** UDP sockets bound to {@code port} on this host (the native transports open IPv6 sockets), from /proc. */
    private static long boundUdpSockets(int port) {
        String local = String.format(":%04X", port);
        long n = 0;
        for (String table : List.of("/proc/net/udp", "/proc/net/udp6")) {
            try {
                n += java.nio.file.Files.readAllLines(java.nio.file.Path.of(table)).stream()
                        .filter(line -> line.trim().split("\\s+")[1].endsWith(local))
                        .count();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return n;
    }

    /** A real server that sends every datagram back as it came. */
    private static final class EchoServer implements AutoCloseable {
        private final DatagramSocket socket = new DatagramSocket(0, LOOPBACK);
        private final Thread thread = new Thread(this::serve, "udp-echo");

        EchoServer() throws SocketException {
            thread.setDaemon(true);
            thread.start();
        }

        int port() { return socket.getLocalPort(); }

        private void serve() {
            byte[] buf = new byte[65_535];
            while (!socket.isClosed()) {
                try {
                    DatagramPacket in = new DatagramPacket(buf, buf.length);
                    socket.receive(in);
                    socket.send(new DatagramPacket(buf, in.getLength(), in.getSocketAddress()));
                } catch (IOException closed) {
                    return;
                }
            }
        }

        @Override
        public void close() throws InterruptedException {
            socket.close();
            thread.join(2000);
        }
    }

    /** A real server that answers every datagram with {@code NAME:payload}. */
    private static final class NamedServer implements AutoCloseable {
        final String name;
        /** The source ports the director's datagrams came from. */
        final java.util.Set<Integer> sourcePorts = java.util.concurrent.ConcurrentHashMap.newKeySet();
        private final DatagramSocket socket;
        private final Thread thread;

        NamedServer(String name) throws SocketException {
            this.name = name;
            this.socket = new DatagramSocket(0, LOOPBACK);
            this.thread = new Thread(this::serve, "udp-server-" + name);
            thread.setDaemon(true);
            thread.start();
        }

        int port() { return socket.getLocalPort(); }

        InetSocketAddress address() { return new InetSocketAddress(LOOPBACK, port()); }

        private void serve() {
            byte[] buf = new byte[2048];
            while (!socket.isClosed()) {
                try {
                    DatagramPacket in = new DatagramPacket(buf, buf.length);
                    socket.receive(in);
                    sourcePorts.add(in.getPort());
                    byte[] answer = (name + ":" + new String(in.getData(), 0, in.getLength(), StandardCharsets.UTF_8))
                            .getBytes(StandardCharsets.UTF_8);
                    socket.send(new DatagramPacket(answer, answer.length, in.getSocketAddress()));
                } catch (IOException closed) {
                    return;
                }
            }
        }

        @Override
        public void close() throws InterruptedException {
            socket.close();
            thread.join(2000);
        }
    }

    /** A client with a fixed source port, as one UDP session. */
    private final class Client implements AutoCloseable {
        private final DatagramSocket socket;

        Client() throws SocketException {
            this(LOOPBACK);
        }

        /** A client on another loopback address (127.0.0.0/8 is all local on Linux). */
        Client(InetAddress from) throws SocketException {
            socket = new DatagramSocket(0, from);
        }

        InetSocketAddress address() { return (InetSocketAddress) socket.getLocalSocketAddress(); }

        /** Sends {@code payload} to the VIP; the name of the real server that answered. */
        String ask(String payload) throws IOException {
            String answer = answerWithin(payload, 3000); // generous: the machine may be busy
            assertNotNull(answer, "no answer through the VIP");
            return answer;
        }

        /** The answer, or null when none came within 1 s (what the tests of dropped datagrams wait). */
        String askOrNull(String payload) throws IOException {
            return answerWithin(payload, 1000);
        }

        private String answerWithin(String payload, int millis) throws IOException {
            byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
            socket.send(new DatagramPacket(bytes, bytes.length, vipAddress()));
            socket.setSoTimeout(millis);
            byte[] buf = new byte[2048];
            DatagramPacket in = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(in);
            } catch (SocketTimeoutException none) {
                return null;
            }
            assertEquals(vipAddress(), in.getSocketAddress(), "replies come from the VIP");
            String text = new String(in.getData(), 0, in.getLength(), StandardCharsets.UTF_8);
            assertTrue(text.endsWith(":" + payload), text);
            return text.substring(0, text.indexOf(':'));
        }

        @Override
        public void close() {
            socket.close();
        }
    }
}

package dev.jvs.director.nat;

import dev.jvs.director.conn.Connection;
import dev.jvs.director.conn.ConnectionTable;
import dev.jvs.director.sync.ConnectionAnnouncer;
import dev.jvs.director.conn.Scheduling;
import dev.jvs.director.net.Transport;
import dev.jvs.director.rules.RuleTable;
import dev.jvs.model.ForwardMethod;
import dev.jvs.model.Protocol;
import dev.jvs.model.RealServerConfig;
import dev.jvs.model.ServiceKey;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.ref.WeakReference;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static dev.jvs.director.rules.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The TCP NAT path with real sockets on loopback: what a closed connection leaves behind, and its listeners. */
class TcpNatTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final int WORKERS = 2;

    private final List<AutoCloseable> closeLast = new ArrayList<>();
    private final RuleTable rules = new RuleTable();
    private final ConnectionTable connections = new ConnectionTable(8, rules::timeouts);
    private EventLoopGroup workers;
    private NatProxy nat;
    /** The accept gate the NAT proxy is made with (tests of the gate give it a small limit). */
    private AcceptGate gate = AcceptGate.unlimited();
    private EchoServer backend;
    private ServiceKey vip;

    private void start(Transport transport) throws IOException {
        start(transport, false);
    }

    private void start(Transport transport, boolean splice) throws IOException {
        assumeTrue(transport.available(), transport + " is not available here");
        EventLoopGroup acceptors = transport.newGroup(1);
        workers = transport.newGroup(WORKERS);
        closeLast.add(() -> workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly());
        closeLast.add(() -> acceptors.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly());
        nat = new NatProxy(transport, acceptors, workers, rules, connections,
                new Scheduling(connections, System::nanoTime), new ConnectionLimits(0), ConnectPolicy.DEFAULT,
                ConnectionAnnouncer.NONE, splice, gate);
        // The NAT proxy follows the table on its own thread, as in the director; unsubscribed before the loops stop.
        dev.jvs.director.rules.Subscription natRules = rules.subscribeDataPath("nat", nat);
        closeLast.add(0, () -> rules.unsubscribe(natRules));
        backend = new EchoServer();
        vip = ServiceKey.of(Protocol.TCP, LOOPBACK, freeTcpPort());
    }

    @AfterEach
    void stop() throws Exception {
        if (nat != null) nat.close();
        if (backend != null) backend.close();
        for (AutoCloseable c : closeLast) c.close();
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void theEntryOfAClosedConnectionListsInTimeWaitAndHoldsNoChannel(Transport transport) throws Exception {
        start(transport);
        List<WeakReference<Channel>> channels = new ArrayList<>();
        nat.pairObserver = (client, backendChannel) -> {
            channels.add(new WeakReference<>(client));
            channels.add(new WeakReference<>(backendChannel));
        };
        addServiceWithBackend();

        try (Socket client = new Socket(LOOPBACK, vip.port())) {
            client.setSoTimeout(5_000);
            assertEquals("hello", exchange(client, "hello"), "the bytes came back through the director");
            client.shutdownOutput(); // FIN from the client; the backend answers with its own
            assertEquals(-1, client.getInputStream().read(), "the backend's FIN reached the client");
        }

        awaitTrue(() -> onlyEntry() != null && !onlyEntry().held() && "TIME_WAIT".equals(onlyEntry().stateName()),
                "the entry stays, released, in TIME_WAIT");
        assertEquals(2, channels.size(), "one client and one backend channel were made");
        awaitTrue(() -> {
            System.gc();
            return channels.stream().allMatch(ref -> ref.get() == null);
        }, "both channels are garbage collected while the entry lives on");
        assertEquals(1, connections.size());
    }

    /** Each way of relaying bulk: splice(2) and copying on epoll, io_uring's ring of read buffers, NIO. */
    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> relays() {
        return java.util.stream.Stream.of(
                org.junit.jupiter.params.provider.Arguments.of(Transport.EPOLL, true),
                org.junit.jupiter.params.provider.Arguments.of(Transport.EPOLL, false),
                org.junit.jupiter.params.provider.Arguments.of(Transport.IO_URING, false),
                org.junit.jupiter.params.provider.Arguments.of(Transport.NIO, false));
    }

    /**
     * 8 MiB each way, the client's FIN right behind its last byte: the real server's answer then flows to a
     * client whose FIN has come, and must not be cut off when the client's socket is full (on epoll it was, in
     * about 1 run of 10, before such a socket was kept in the epoll set). On io_uring both sockets read into
     * the ring of buffers (with multishot reads from the ring, it stalled in 4 runs of 10).
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("relays")
    void aMultiMegabytePayloadCrossesWholeBothWaysThroughAHalfCloseAndIsCounted(Transport transport, boolean splice)
            throws Exception {
        start(transport, splice);
        List<Channel> clients = new CopyOnWriteArrayList<>();
        List<WeakReference<Channel>> channels = new CopyOnWriteArrayList<>();
        List<Short> ringGroups = new CopyOnWriteArrayList<>(); // of both sockets, when the transport has a ring
        nat.pairObserver = (client, backendChannel) -> {
            clients.add(client);
            channels.add(new WeakReference<>(client));
            channels.add(new WeakReference<>(backendChannel));
            if (transport.readBufferRingOption() != null) {
                ringGroups.add(client.config().getOption(transport.readBufferRingOption()));
                ringGroups.add(backendChannel.config().getOption(transport.readBufferRingOption()));
            }
        };
        addServiceWithBackend();
        byte[] payload = new byte[8 << 20];
        new java.util.Random(11).nextBytes(payload);
        byte[] echoed;
        try (Socket client = new Socket(LOOPBACK, vip.port())) {
            client.setSoTimeout(20_000);
            Thread writer = new Thread(() -> {
                try {
                    client.getOutputStream().write(payload);
                    client.shutdownOutput(); // FIN right behind the last byte: the echo server ends on it
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, "splice-test-writer");
            writer.start();
            echoed = client.getInputStream().readAllBytes(); // until the FIN the echo server sends back
            writer.join(20_000);
        }
        assertEquals(payload.length, echoed.length, "every byte came back, then the FIN");
        assertArrayEquals(payload, echoed);
        assertEquals(1, clients.size());
        assertEquals(splice, spliced(clients.get(0)), "relayed by splice(2) exactly when asked to");
        if (transport.readBufferRingOption() != null) {
            short group = transport.readBufferGroup();
            assertEquals(List.of(group, group), ringGroups, "both sockets read into their event loop's buffer ring");
        }

        awaitTrue(() -> onlyEntry() != null && !onlyEntry().held(), "both sockets closed");
        assertEquals("TIME_WAIT", onlyEntry().stateName());
        dev.jvs.director.rules.Dest dest = rules.find(vip).dests().get(0);
        assertEquals(payload.length, dest.stats().inBytes(), "bytes from the client, counted");
        assertEquals(payload.length, dest.stats().outBytes(), "bytes to the client, counted");
        assertTrue(dest.stats().inPkts() > 0 && dest.stats().outPkts() > 0, "reads counted as packets");
        clients.clear();
        awaitTrue(() -> {
            System.gc();
            return channels.stream().allMatch(ref -> ref.get() == null);
        }, "both channels (and what spliced them) are garbage once the connection ended");
    }

    @ParameterizedTest
    @EnumSource(value = Transport.class, names = {"EPOLL", "IO_URING"})
    void withReusePortEveryEventLoopAcceptsAndConnects(Transport transport) throws Exception {
        start(transport);
        List<Channel[]> pairs = new CopyOnWriteArrayList<>();
        nat.pairObserver = (client, backendChannel) -> pairs.add(new Channel[] {client, backendChannel});
        addServiceWithBackend();
        assertEquals(WORKERS, nat.tcpListeningChannels(vip).size(), "one listener per event loop");
        Set<EventLoop> listenerLoops = new HashSet<>();
        for (Channel ch : nat.tcpListeningChannels(vip)) listenerLoops.add(ch.eventLoop());
        Set<EventLoop> all = new HashSet<>();
        for (EventExecutor e : workers) all.add((EventLoop) e);
        assertEquals(all, listenerLoops, "the listeners sit on every worker loop");

        // The kernel spreads connections over the sockets by a hash of the client's address and port:
        // 32 connections all landing on one of two sockets would happen once in 2^31 runs.
        for (int i = 0; i < 32; i++) {
            try (Socket client = new Socket(LOOPBACK, vip.port())) {
                client.setSoTimeout(5_000);
                assertEquals("ping" + i, exchange(client, "ping" + i));
            }
        }
        Set<EventLoop> loopsOfAcceptedClients = new HashSet<>();
        for (Channel[] pair : pairs) {
            loopsOfAcceptedClients.add(pair[0].eventLoop());
            assertSame(pair[0].eventLoop(), pair[1].eventLoop(), "a pair lives on one loop");
        }
        assertEquals(32, pairs.size());
        assertEquals(all, loopsOfAcceptedClients, "connections were accepted on every event loop");
    }

    /**
     * A few long connections (a pool of database connections, four iperf3 streams) share the loops evenly,
     * whichever listener the kernel hands each to: by its hash alone, four on each of two loops happens in about
     * one run of four. The counts behind that go back to zero as the connections close.
     */
    @ParameterizedTest
    @EnumSource(value = Transport.class, names = {"EPOLL", "IO_URING"})
    void fewLongConnectionsAreSharedEvenlyByTheEventLoops(Transport transport) throws Exception {
        start(transport);
        List<Channel[]> pairs = new CopyOnWriteArrayList<>();
        nat.pairObserver = (client, backendChannel) -> pairs.add(new Channel[] {client, backendChannel});
        addServiceWithBackend();
        List<Socket> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) {
                Socket client = new Socket(LOOPBACK, vip.port());
                clients.add(client);
                client.setSoTimeout(5_000);
                assertEquals("long" + i, exchange(client, "long" + i)); // served, so placed, before the next comes
            }
            assertEquals(8, pairs.size());
            java.util.Map<EventLoop, Integer> perLoop = new java.util.HashMap<>();
            for (Channel[] pair : pairs) {
                assertSame(pair[0].eventLoop(), pair[1].eventLoop(), "a pair lives on one loop");
                perLoop.merge(pair[0].eventLoop(), 1, Integer::sum);
            }
            for (EventExecutor e : workers) {
                assertEquals(4, perLoop.getOrDefault((EventLoop) e, 0), "connections per loop: " + perLoop.values());
            }
        } finally {
            for (Socket client : clients) client.close();
        }
        LoopBalance balance = nat.loopBalance();
        awaitTrue(() -> balance.openOn(0) == 0 && balance.openOn(1) == 0, "no connection is counted once all closed");
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void removingAndReAddingAVipLeavesNoListenerBehind(Transport transport) throws Exception {
        start(transport);
        int expected = TcpListener.reusePortOption(transport) == null ? 1 : WORKERS;
        for (int round = 0; round < 2; round++) {
            addServiceWithBackend();
            assertEquals(expected, listeningSockets(), "ss -ltn shows the service's listeners");
            try (Socket client = new Socket(LOOPBACK, vip.port())) {
                client.setSoTimeout(5_000);
                assertEquals("round" + round, exchange(client, "round" + round));
            }
            apply(rules, deleteService(vip));
            // The proxy follows the table on its own thread: wait until it has taken the deletion in, as ipvsadm does.
            assertTrue(rules.awaitDataPaths(rules.version(), 5_000), "the NAT proxy took the deletion in");
            assertEquals(0, listeningSockets(), "no listener is left after the service is deleted");
        }
    }

    /**
     * At the gate's cap the listeners stop accepting: the next client waits in the backlog, unserved but not
     * refused, and is served as soon as a connection ends.
     */
    @ParameterizedTest
    @EnumSource(Transport.class)
    void atTheOpenFileCapClientsWaitInTheBacklogUntilAConnectionEnds(Transport transport) throws Exception {
        int listeningSockets = transport == Transport.NIO ? 1 : WORKERS;
        List<String> lines = new CopyOnWriteArrayList<>();
        // 100 descriptors, a reserve of 94 less the listening sockets: room for 3 connections of 2 descriptors
        gate = new AcceptGate(100, 100 - 6 - listeningSockets, lines::add);
        start(transport);
        addServiceWithBackend();
        assertEquals(3, gate.pauseAt());

        List<Socket> served = new ArrayList<>();
        try (Socket waiting = new Socket()) {
            for (int i = 0; i < 3; i++) {
                Socket s = new Socket(LOOPBACK, vip.port());
                served.add(s);
                s.setSoTimeout(5_000);
                assertEquals("hi" + i, exchange(s, "hi" + i));
            }
            // The listener that took the third stopped at once; the other event loop's stops a loop turn later.
            awaitTrue(gate::everyListenerPaused, "every listening socket stopped accepting");
            waiting.connect(new InetSocketAddress(LOOPBACK, vip.port()), 5_000); // the kernel's backlog answers
            waiting.setSoTimeout(500);
            waiting.getOutputStream().write("next".getBytes(StandardCharsets.US_ASCII));
            assertThrows(java.net.SocketTimeoutException.class, () -> waiting.getInputStream().read(),
                    "a fourth client is not accepted while three connections are open");
            assertFalse(gate.isOpen());
            assertEquals(1, gate.pauses());

            served.remove(0).close();
            waiting.setSoTimeout(5_000);
            assertEquals("next", new String(waiting.getInputStream().readNBytes(4), StandardCharsets.US_ASCII),
                    "accepted and served once a connection ended");
            assertEquals(2, gate.pauses(), "the fourth filled the cap again");
        } finally {
            for (Socket s : served) s.close();
        }
        // said by the proxy's report each second (AcceptGateTest has how it counts and spaces its lines)
        awaitTrue(() -> !lines.isEmpty(), "the pause is logged");
        assertTrue(lines.get(0).startsWith("NAT listeners stopped accepting at 3 proxied connections"), lines.get(0));
    }

    /**
     * A client that sends its request and its FIN before the real server's socket has connected: io_uring reads
     * such a client at once, whatever autoRead says. The bytes and the FIN must still reach the real server, in
     * that order, once it is connected.
     */
    @ParameterizedTest
    @EnumSource(Transport.class)
    void aRequestAndFinSentBeforeTheRealServerConnectsReachItWhole(Transport transport) throws Exception {
        start(transport);
        try (FullBacklogServer slow = new FullBacklogServer()) {
            apply(rules, addService(vip, "rr"));
            apply(rules, addServer(vip, RealServerConfig.of(LOOPBACK, slow.port(), ForwardMethod.MASQ, 1)));
            assertTrue(rules.awaitDataPaths(rules.version(), 5_000));
            try (Socket client = new Socket(LOOPBACK, vip.port())) {
                client.setSoTimeout(10_000);
                client.getOutputStream().write("request".getBytes(StandardCharsets.US_ASCII));
                client.shutdownOutput();
                Thread.sleep(300); // the director sees the request and the FIN while its connect waits
                try (Socket fromDirector = slow.acceptTheDirector()) {
                    assertEquals("request", new String(fromDirector.getInputStream().readAllBytes(),
                            StandardCharsets.US_ASCII), "the request, then the client's FIN");
                    fromDirector.getOutputStream().write("reply".getBytes(StandardCharsets.US_ASCII));
                }
                assertEquals("reply", new String(client.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
            }
        }
        awaitTrue(() -> onlyEntry() != null && !onlyEntry().held() && "TIME_WAIT".equals(onlyEntry().stateName()),
                "the connection ended cleanly: its entry is released, in TIME_WAIT");
    }

    /**
     * What the client sends with its connection is read at once, while the real server's socket still connects,
     * so the request is in hand when the connect completes; but only one read: the rest of a large upload waits
     * in the kernel's buffers, not in the director's memory, and all of it arrives once connected.
     */
    @ParameterizedTest
    @EnumSource(Transport.class)
    void whatTheClientSendsWhileTheRealServerConnectsIsReadOnceThenDeliveredWhole(Transport transport)
            throws Exception {
        start(transport);
        byte[] upload = new byte[4 << 20];
        new java.util.Random(7).nextBytes(upload);
        try (FullBacklogServer slow = new FullBacklogServer()) {
            apply(rules, addService(vip, "rr"));
            apply(rules, addServer(vip, RealServerConfig.of(LOOPBACK, slow.port(), ForwardMethod.MASQ, 1)));
            assertTrue(rules.awaitDataPaths(rules.version(), 5_000));
            dev.jvs.director.rules.Dest dest = rules.find(vip).dests().get(0);
            try (Socket client = new Socket(LOOPBACK, vip.port())) {
                client.setSoTimeout(10_000);
                client.getOutputStream().write("request".getBytes(StandardCharsets.US_ASCII));
                awaitTrue(() -> dest.stats().inBytes() == "request".length(),
                        "the request is read while the connect to the real server waits");
                assertEquals("SYN_RECV", onlyEntry().stateName(), "the real server has not answered the SYN yet");

                Thread writer = new Thread(() -> {
                    try {
                        client.getOutputStream().write(upload);
                        client.shutdownOutput();
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }, "early-read-test-writer");
                writer.start();
                Thread.sleep(300); // the director would read more now, if it were reading
                long held = dest.stats().inBytes() - "request".length();
                assertTrue(held <= 256 * 1024, "at most a read or two held before the connect, not " + held
                        + " bytes of the 4 MiB sent");

                try (Socket fromDirector = slow.acceptTheDirector()) {
                    byte[] received = fromDirector.getInputStream().readAllBytes();
                    assertEquals("request".length() + upload.length, received.length, "every byte, then the FIN");
                    assertEquals("request", new String(received, 0, 7, StandardCharsets.US_ASCII));
                    assertArrayEquals(upload, java.util.Arrays.copyOfRange(received, 7, received.length));
                    fromDirector.getOutputStream().write("reply".getBytes(StandardCharsets.US_ASCII));
                }
                writer.join(10_000);
                assertEquals("reply", new String(client.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
            }
        }
        awaitTrue(() -> onlyEntry() != null && !onlyEntry().held() && "TIME_WAIT".equals(onlyEntry().stateName()),
                "the connection ended cleanly: its entry is released, in TIME_WAIT");
    }

    /**
     * The real server answers and sends its FIN first (HTTP with {@code Connection: close}); the client may still
     * send after that FIN, and its own FIN then ends the connection: both FINs counted, TIME_WAIT, no socket left.
     */
    @ParameterizedTest
    @EnumSource(Transport.class)
    void afterTheRealServersFinTheClientStillSendsUntilItsOwnFinEndsTheConnection(Transport transport)
            throws Exception {
        start(transport);
        List<Channel[]> pairs = new CopyOnWriteArrayList<>();
        nat.pairObserver = (client, backendChannel) -> pairs.add(new Channel[] {client, backendChannel});
        try (ServerSocket server = new ServerSocket(0, 8, LOOPBACK)) {
            apply(rules, addService(vip, "rr"));
            apply(rules, addServer(vip, RealServerConfig.of(LOOPBACK, server.getLocalPort(), ForwardMethod.MASQ, 1)));
            assertTrue(rules.awaitDataPaths(rules.version(), 5_000));
            server.setSoTimeout(10_000);
            try (Socket client = new Socket(LOOPBACK, vip.port()); Socket fromDirector = server.accept()) {
                client.setSoTimeout(10_000);
                fromDirector.setSoTimeout(10_000);
                fromDirector.getOutputStream().write("answer".getBytes(StandardCharsets.US_ASCII));
                fromDirector.shutdownOutput(); // the server's FIN first
                assertEquals("answer", new String(client.getInputStream().readAllBytes(), StandardCharsets.US_ASCII),
                        "the answer, then the server's FIN");
                awaitTrue(() -> "FIN_WAIT".equals(onlyEntry().stateName()), "the server's FIN is counted");

                client.getOutputStream().write("after".getBytes(StandardCharsets.US_ASCII));
                client.shutdownOutput();
                assertEquals("after", new String(fromDirector.getInputStream().readAllBytes(),
                        StandardCharsets.US_ASCII), "what the client sent after the server's FIN, then its own FIN");
            }
        }
        awaitTrue(() -> onlyEntry() != null && !onlyEntry().held() && "TIME_WAIT".equals(onlyEntry().stateName()),
                "both FINs counted: the entry is released, in TIME_WAIT");
        assertEquals(1, pairs.size());
        awaitTrue(() -> !pairs.get(0)[0].isOpen() && !pairs.get(0)[1].isOpen(), "both of the director's sockets closed");
    }

    /**
     * A client that connects again from the port of a connection the director still lists in TIME_WAIT (what
     * busy clients do within seconds): the new connection's entry replaces the old one, which no longer counts
     * on the real server, as IPVS reuses such an entry.
     */
    @ParameterizedTest
    @EnumSource(Transport.class)
    void aClientReusingThePortOfATimeWaitEntryReplacesIt(Transport transport) throws Exception {
        start(transport);
        int clientPort = freeTcpPort();
        try (ServerSocket server = new ServerSocket(0, 8, LOOPBACK)) {
            apply(rules, addService(vip, "rr"));
            apply(rules, addServer(vip, RealServerConfig.of(LOOPBACK, server.getLocalPort(), ForwardMethod.MASQ, 1)));
            assertTrue(rules.awaitDataPaths(rules.version(), 5_000));
            dev.jvs.director.rules.Dest dest = rules.find(vip).dests().get(0);
            server.setSoTimeout(10_000);
            for (String answer : List.of("first", "second")) {
                try (Socket client = new Socket()) {
                    client.setReuseAddress(true);
                    client.bind(new InetSocketAddress(LOOPBACK, clientPort));
                    client.connect(new InetSocketAddress(LOOPBACK, vip.port()), 10_000);
                    client.setSoTimeout(10_000);
                    try (Socket fromDirector = server.accept()) {
                        awaitTrue(() -> onlyEntry() != null && onlyEntry().held(), "one entry, held by its sockets");
                        assertEquals(1, dest.activeConns() + dest.inactiveConns(),
                                "the real server counts this connection only");
                        fromDirector.getOutputStream().write(answer.getBytes(StandardCharsets.US_ASCII));
                        fromDirector.shutdownOutput(); // the server's FIN first: the director's socket keeps TIME_WAIT
                        assertEquals(answer, new String(client.getInputStream().readAllBytes(),
                                StandardCharsets.US_ASCII));
                        client.shutdownOutput();
                        assertEquals(-1, fromDirector.getInputStream().read());
                    }
                }
                awaitTrue(() -> onlyEntry() != null && !onlyEntry().held()
                        && "TIME_WAIT".equals(onlyEntry().stateName()), "the entry is released, in TIME_WAIT");
                assertEquals(clientPort, onlyEntry().client().getPort());
                assertEquals(0, dest.activeConns());
                assertEquals(1, dest.inactiveConns());
            }
            assertEquals(1, connections.size());
        }
    }

    private void addServiceWithBackend() throws Exception {
        apply(rules, addService(vip, "rr"));
        apply(rules, addServer(vip, RealServerConfig.of(LOOPBACK, backend.port(), ForwardMethod.MASQ, 1)));
        assertTrue(rules.awaitDataPaths(rules.version(), 5_000), "the NAT proxy took the change in");
        assertTrue(nat.listening(vip), "the listener is bound once the change is taken in");
    }

    /** Whether the channel's bytes went by splice (in its own frame: no local of the test keeps the pair). */
    private static boolean spliced(Channel client) {
        return client.config().getRecvByteBufAllocator() instanceof SpliceRelay relay && relay.started();
    }

    private Connection onlyEntry() {
        List<Connection> all = new ArrayList<>();
        connections.forEach(all::add);
        return all.size() == 1 ? all.get(0) : null;
    }

    /** Listening sockets on the VIP's port, as {@code ss -ltn} shows them. */
    private int listeningSockets() throws Exception {
        Process ss = new ProcessBuilder("ss", "-Hltn", "sport = :" + vip.port()).redirectErrorStream(true).start();
        String out = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, ss.waitFor(), out);
        return (int) out.lines().filter(l -> !l.isBlank()).count();
    }

    private static String exchange(Socket socket, String message) throws IOException {
        byte[] bytes = message.getBytes(StandardCharsets.US_ASCII);
        OutputStream out = socket.getOutputStream();
        out.write(bytes);
        out.flush();
        InputStream in = socket.getInputStream();
        byte[] reply = in.readNBytes(bytes.length);
        return new String(reply, StandardCharsets.US_ASCII);
    }

    private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) fail("timed out waiting until " + what);
            Thread.sleep(20);
        }
    }

    /**
     * A free port below the kernel's ephemeral range (32768+): a port the kernel hands out may be taken by any
     * outgoing connection of this or another process before the director binds it.
     */
    private static int freeTcpPort() throws IOException {
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        for (int attempt = 0; ; attempt++) {
            try (ServerSocket s = new ServerSocket(20_000 + random.nextInt(12_000), 1, LOOPBACK)) {
                return s.getLocalPort();
            } catch (IOException taken) {
                if (attempt > 100) throw taken;
            }
        }
    }

    /**
     * A real server whose accept queue is full (two connections waiting in a backlog of one): the kernel drops
     * the director's SYN and sends it again a second later, so the director's connect waits until
     * {@link #acceptTheDirector()} makes room.
     */
    private static final class FullBacklogServer implements AutoCloseable {
        private final ServerSocket socket = new ServerSocket(0, 1, LOOPBACK);
        private final Socket filler1 = new Socket(LOOPBACK, socket.getLocalPort());
        private final Socket filler2 = new Socket(LOOPBACK, socket.getLocalPort());

        FullBacklogServer() throws IOException {
        }

        int port() {
            return socket.getLocalPort();
        }

        /** Takes the two waiting connections off the queue, then accepts the director's. */
        Socket acceptTheDirector() throws IOException {
            socket.accept().close();
            socket.accept().close();
            socket.setSoTimeout(10_000);
            Socket fromDirector = socket.accept();
            fromDirector.setSoTimeout(10_000);
            return fromDirector;
        }

        @Override
        public void close() throws IOException {
            try (socket; filler1; filler2) {
                // closed in reverse order
            }
        }
    }

    /** Echoes every connection's bytes (each on its own thread) and closes it after the client's end of stream. */
    private static final class EchoServer implements AutoCloseable {
        private final ServerSocket socket = new ServerSocket(0, 64, LOOPBACK);
        private final Thread thread = new Thread(this::serve, "tcp-nat-test-echo");

        EchoServer() throws IOException {
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        private void serve() {
            while (!socket.isClosed()) {
                try {
                    Socket s = socket.accept();
                    Thread echo = new Thread(() -> {
                        try (s) {
                            s.getInputStream().transferTo(s.getOutputStream());
                        } catch (IOException e) {
                            // a client gone
                        }
                    }, "tcp-nat-test-echo-connection");
                    echo.setDaemon(true);
                    echo.start();
                } catch (IOException e) {
                    // closed: the loop ends
                }
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}

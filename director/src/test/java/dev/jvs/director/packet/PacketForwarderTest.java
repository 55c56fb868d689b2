package dev.jvs.director.packet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvs.director.conn.Connection;
import dev.jvs.director.conn.ConnectionTable;
import dev.jvs.director.conn.Scheduling;
import dev.jvs.director.conn.TcpState;
import dev.jvs.director.rules.Dest;
import dev.jvs.director.rules.Fixtures;
import dev.jvs.director.rules.RuleTable;
import dev.jvs.director.rules.VirtualService;
import dev.jvs.director.sync.SendRules;
import dev.jvs.director.sync.SyncMaster;
import dev.jvs.director.sync.SyncMessageReader;
import dev.jvs.director.sync.SyncRecord;
import dev.jvs.director.sync.SyncWire;
import dev.jvs.model.Command;
import dev.jvs.model.ForwardMethod;
import dev.jvs.model.Protocol;
import dev.jvs.model.RealServerConfig;
import dev.jvs.model.ServiceConfig;
import dev.jvs.os.Offload;
import dev.jvs.os.PacketPort;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.TimeUnit;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Crafted frames through the forwarder: what is forwarded, rewritten, encapsulated, or dropped and counted. */
class PacketForwarderTest {

    private static final byte[] CLIENT_MAC = {2, 0, 0, 0, 0, 0x0c};
    private static final byte[] RS_MAC = {2, 0, 0, 0, 0, 0x11};
    private static final int VIP = 0x0a000001;    // 10.0.0.1 (Fixtures.VIP)
    private static final int CLIENT = 0xc0000207; // 192.0.2.7
    private static final int SYN = 0x02;
    private static final int ACK = 0x10;
    private static final int FIN = 0x01;
    private static final int RST = 0x04;

    private final FakePort port = new FakePort();
    private PacketForwarder forwarder;
    private ConnectionTable connections;
    private VirtualService virtualService;
    private Dest dest;

    private void setUp(ForwardMethod method, int maxFlows, int mtu) throws Exception {
        setUp(Fixtures.service(Fixtures.VIP, "rr"), method, maxFlows, mtu, "192.168.0.11");
    }

    /** A service with one or more real servers, each with a resolved egress; {@link #dest} is the first given. */
    private void setUp(ServiceConfig service, ForwardMethod method, int maxFlows, int mtu, String... realServers)
            throws Exception {
        RuleTable rules = new RuleTable();
        List<Command.RuleChange> commands = new ArrayList<>(List.of(Fixtures.addService(service)));
        for (String rs : realServers) {
            commands.add(Fixtures.addServer(Fixtures.VIP, RealServerConfig.of(Fixtures.addr(rs), 80, method, 1)));
        }
        rules.apply(commands);
        VirtualService vs = rules.find(Fixtures.VIP);
        virtualService = vs;
        dest = destAt(realServers[0]);
        IdentityHashMap<Dest, Egress> egress = new IdentityHashMap<>();
        for (Dest d : vs.dests()) {
            Egress e = new Egress(d, 0, FakePort.MAC, d.config().address(), Fixtures.addr("192.168.0.2"), mtu,
                    method == ForwardMethod.TUNNEL);
            e.learn(RS_MAC, 0);
            egress.put(d, e);
        }
        connections = new ConnectionTable(8, rules::timeouts);
        forwarder = new PacketForwarder(new FlowTable(maxFlows), rules::timeouts,
                new Scheduling(connections, () -> forwarder.now), (x, now) -> { });
        forwarder.plan = new ForwardingPlan(new ServiceIndex(List.of(vs)), egress, new PacketPort[] {port});
        forwarder.ingress = port;
        forwarder.ingressMac = FakePort.MAC;
    }

    private Dest destAt(String address) throws Exception {
        InetAddress a = Fixtures.addr(address);
        return virtualService.dests().stream().filter(d -> d.config().address().equals(a)).findFirst().orElseThrow();
    }

    /** Ethernet + IPv4 (DF) + TCP to VIP:80 with the given flags and payload size. */
    private static byte[] tcpFrame(int clientPort, int flags, int payload) {
        ByteBuffer b = ByteBuffer.allocate(14 + 20 + 20 + payload);
        b.put(FakePort.MAC).put(CLIENT_MAC).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (40 + payload)).putShort((short) 1)
                .putShort((short) 0x4000).put((byte) 64).put((byte) 6).putShort((short) 0).putInt(CLIENT).putInt(VIP);
        b.putShort(14 + 10, (short) Bytes.checksum(b, 14, 20));
        b.putShort((short) clientPort).putShort((short) 80).putInt(1000).putInt(0).put((byte) 0x50)
                .put((byte) flags).putShort((short) 65535).putInt(0);
        return b.array();
    }

    private void feed(byte[] frame) {
        forwarder.onFrame(ByteBuffer.wrap(frame), 0, frame.length, frame.length);
    }

    @Test
    void aSynIsScheduledAndSentToTheRealServerMacWithNothingElseChanged() throws Exception {
        setUp(ForwardMethod.ROUTE, 64, 1500);
        byte[] frame = tcpFrame(40000, SYN, 0);
        byte[] original = frame.clone();
        feed(frame);
        assertEquals(1, port.sent.size());
        byte[] out = port.sent.get(0);
        assertArrayEquals(RS_MAC, java.util.Arrays.copyOfRange(out, 0, 6));
        assertArrayEquals(FakePort.MAC, java.util.Arrays.copyOfRange(out, 6, 12));
        assertArrayEquals(java.util.Arrays.copyOfRange(original, 12, original.length),
                java.util.Arrays.copyOfRange(out, 12, out.length));
        assertEquals(1, forwarder.flows.size());
        assertEquals(1, dest.activeConns());
        assertEquals(1, dest.stats().inPkts());
        assertEquals(40, dest.stats().inBytes());
        assertEquals(0, dest.stats().outPkts());

        feed(tcpFrame(40000, ACK, 100));
        assertEquals(2, port.sent.size(), "the flow's next segment follows without scheduling");
        assertEquals(1, dest.stats().conns());
    }

    @Test
    void junkIsDroppedAndCountedWithoutCreatingFlows() throws Exception {
        setUp(ForwardMethod.ROUTE, 64, 1500);
        byte[] good = tcpFrame(40001, SYN, 0);
        forwarder.onFrame(ByteBuffer.wrap(good), 0, 30, 30);            // truncated IP header
        byte[] badIhl = good.clone();
        badIhl[14] = 0x43;                                              // IHL 12 bytes
        feed(badIhl);
        byte[] longer = good.clone();
        longer[16] = 0x7f;                                              // total length beyond the frame
        feed(longer);
        byte[] fragment = good.clone();
        fragment[20] = 0x00;
        fragment[21] = 0x10;                                            // fragment offset 16
        feed(fragment);
        feed(tcpFrame(40002, SYN | FIN, 0));                            // odd flags
        feed(tcpFrame(40003, ACK, 10));                                 // no flow, not a SYN
        feed(tcpFrame(40004, SYN | RST, 0));
        byte[] badOffset = tcpFrame(40005, SYN, 0);
        badOffset[14 + 20 + 12] = 0x20;                                 // TCP data offset 8 bytes
        feed(badOffset);
        forwarder.onFrame(ByteBuffer.wrap(good), 0, good.length, 9000); // did not fit the slot

        PacketCounters c = forwarder.counters;
        assertEquals(2, c.truncated);
        assertEquals(3, c.badIpHeader);
        assertEquals(1, c.nonFirstFragments);
        assertEquals(1, c.oddTcpFlags);
        assertEquals(2, c.noFlowNotSyn);
        assertEquals(0, forwarder.flows.size());
        assertTrue(port.sent.isEmpty());
    }

    @Test
    void aFloodOfRandomFramesNeverThrowsAndNeverGrowsTheTableBeyondItsBound() throws Exception {
        setUp(ForwardMethod.ROUTE, 32, 1500);
        Random random = new Random(5);
        for (int i = 0; i < 200_000; i++) {
            byte[] frame = new byte[random.nextInt(120)];
            random.nextBytes(frame);
            if (frame.length > 34 && random.nextBoolean()) {
                // aim half of them at the VIP so they get past the first check
                frame[12] = 0x08;
                frame[13] = 0x00;
                ByteBuffer.wrap(frame).putInt(30, VIP);
            }
            feed(frame);
        }
        for (int i = 0; i < 1000; i++) feed(tcpFrame(10000 + i, ACK, 0));
        assertTrue(forwarder.flows.size() <= 32, "bounded: " + forwarder.flows.size());
        assertTrue(forwarder.counters.dropped() > 1000);
    }

    @Test
    void anIcmpErrorAboutATrackedFlowGoesToItsRealServer() throws Exception {
        setUp(ForwardMethod.ROUTE, 64, 1500);
        feed(tcpFrame(40000, SYN, 0));
        // "port unreachable" from a router, quoting VIP:80 -> client:40000
        ByteBuffer b = ByteBuffer.allocate(14 + 20 + 8 + 20 + 8);
        b.put(FakePort.MAC).put(CLIENT_MAC).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) 56).putInt(0).put((byte) 64).put((byte) 1)
                .putShort((short) 0).putInt(0xc6336401).putInt(VIP);
        b.put((byte) 3).put((byte) 3).putShort((short) 0).putInt(0);
        b.put((byte) 0x45).put((byte) 0).putShort((short) 40).putInt(0).put((byte) 64).put((byte) 6)
                .putShort((short) 0).putInt(VIP).putInt(CLIENT);
        b.putShort((short) 80).putShort((short) 40000).putInt(0);
        feed(b.array());
        assertEquals(2, port.sent.size());
        assertEquals(1, forwarder.counters.icmpErrorsForwarded);
    }

    /** A TCP aggregate as GRO/TSO hands it over: the payload counts up, the checksum field holds the pseudo sum. */
    private static byte[] aggregate(int payload) {
        byte[] frame = tcpFrame(40000, ACK | 0x08, payload);
        ByteBuffer b = ByteBuffer.wrap(frame);
        for (int i = 0; i < payload; i++) b.put(54 + i, (byte) (i * 7));
        b.putShort(14 + 20 + 16, (short) (~Bytes.fold(Segments.pseudoHeaderSum(b, 14, false, 6, 20 + payload))));
        return frame;
    }

    private static long aggregateOffload(int mss) {
        return Offload.of(Offload.NEEDS_CSUM, Offload.GSO_TCPV4, mss, 34, 16);
    }

    private void feed(byte[] frame, long offload) {
        forwarder.onFrame(ByteBuffer.wrap(frame), 0, frame.length, frame.length, offload);
    }

    @Test
    void directRoutingHandsAnAggregateOverWholeWithItsOffloadState() throws Exception {
        setUp(ForwardMethod.ROUTE, 64, 1500);
        feed(tcpFrame(40000, SYN, 0));
        byte[] big = aggregate(20_000);
        feed(big, aggregateOffload(1448));
        assertEquals(2, port.sent.size());
        assertEquals(14 + 40 + 20_000, port.sent.get(1).length, "one frame: the kernel segments it");
        assertEquals(aggregateOffload(1448), port.offloads.get(1));
        assertArrayEquals(RS_MAC, java.util.Arrays.copyOfRange(port.sent.get(1), 0, 6));
    }

    @Test
    void withoutOffloadSupportAnAggregateIsCutIntoCheckedSegmentsCarryingThePayloadInOrder() throws Exception {
        setUp(ForwardMethod.ROUTE, 64, 1500);
        port.acceptsOffload = false;
        feed(tcpFrame(40000, SYN, 0));
        feed(aggregate(5000), aggregateOffload(1448));
        List<byte[]> segments = port.sent.subList(1, port.sent.size());
        assertEquals(4, segments.size(), "1448 * 3 + 656");
        int expectedSeq = 1000;
        int payloadByte = 0;
        for (int k = 0; k < segments.size(); k++) {
            ByteBuffer s = ByteBuffer.wrap(segments.get(k));
            int ipLength = s.getShort(16) & 0xffff;
            assertEquals(s.limit() - 14, ipLength);
            assertEquals(0, Bytes.checksum(s, 14, 20), "IPv4 header checksum of segment " + k);
            assertEquals(0, Bytes.fold(Bytes.sum(s, 34, ipLength - 20,
                    Segments.pseudoHeaderSum(s, 14, false, 6, ipLength - 20))), "TCP checksum of segment " + k);
            assertEquals(expectedSeq, s.getInt(34 + 4));
            assertEquals(k == segments.size() - 1 ? 0x18 : 0x10, s.get(34 + 13), "PSH only on the last");
            for (int i = 54; i < s.limit(); i++) assertEquals((byte) (payloadByte++ * 7), s.get(i));
            expectedSeq += ipLength - 40;
            assertEquals(Offload.NONE, port.offloads.get(k + 1));
        }
        assertEquals(5000, payloadByte);
        assertEquals(1, forwarder.counters.aggregatesSegmented);
    }

    @Test
    void aTunnelledAggregateBecomesIpipPacketsThatEachFitTheTunnel() throws Exception {
        setUp(ForwardMethod.TUNNEL, 64, 1500);
        feed(tcpFrame(40000, SYN, 0));
        feed(aggregate(3000), aggregateOffload(1400)); // 1440-byte segments, 1460 inside the tunnel
        List<byte[]> packets = port.sent.subList(1, port.sent.size());
        assertEquals(3, packets.size());
        for (byte[] p : packets) {
            ByteBuffer s = ByteBuffer.wrap(p);
            assertEquals(4, p[23], "IPIP");
            assertTrue(s.limit() - 14 <= 1500, "fits the MTU");
            assertEquals(0, Bytes.checksum(s, 14, 20), "outer header checksum");
            assertEquals(0, Bytes.checksum(s, 34, 20), "inner header checksum");
            int inner = s.getShort(36) & 0xffff;
            assertEquals(0, Bytes.fold(Bytes.sum(s, 54, inner - 20,
                    Segments.pseudoHeaderSum(s, 34, false, 6, inner - 20))), "inner TCP checksum");
        }
    }

    @Test
    void aTunnelledAggregateWhoseSegmentsCannotFitIsAnsweredWithFragmentationNeeded() throws Exception {
        setUp(ForwardMethod.TUNNEL, 64, 1500);
        feed(tcpFrame(40000, SYN, 0));
        feed(aggregate(4000), aggregateOffload(1460)); // 1500-byte segments: 1520 inside the tunnel
        assertEquals(2, port.sent.size());
        assertEquals(1, port.sent.get(1)[23], "ICMP back to the client");
        assertEquals(1480, ByteBuffer.wrap(port.sent.get(1)).getShort(40));
    }

    @Test
    void anUnfinishedChecksumIsFinishedBeforeEncapsulation() throws Exception {
        setUp(ForwardMethod.TUNNEL, 64, 1500);
        feed(tcpFrame(40000, SYN, 0));
        feed(aggregate(500), Offload.of(Offload.NEEDS_CSUM, Offload.GSO_NONE, 0, 34, 16));
        ByteBuffer s = ByteBuffer.wrap(port.sent.get(1));
        assertEquals(0, Bytes.fold(Bytes.sum(s, 54, 520, Segments.pseudoHeaderSum(s, 34, false, 6, 520))));
    }

    @Test
    void aTunnelledPacketGetsACorrectOuterIpipHeaderWithDfCopied() throws Exception {
        setUp(ForwardMethod.TUNNEL, 64, 1500);
        feed(tcpFrame(40000, SYN, 0));
        byte[] out = port.sent.get(0);
        ByteBuffer b = ByteBuffer.wrap(out);
        assertEquals(14 + 20 + 40, out.length);
        assertEquals(0x45, out[14] & 0xff);
        assertEquals(60, b.getShort(16));
        assertEquals(0x4000, b.getShort(20) & 0x4000, "DF copied from the inner header");
        assertEquals(4, out[23], "protocol IPIP");
        assertEquals(0, Bytes.checksum(b, 14, 20), "outer checksum verifies");
        assertEquals(0xc0a80002, b.getInt(26), "from the director's address");
        assertEquals(0xc0a8000b, b.getInt(30), "to the real server");
        assertEquals(CLIENT, b.getInt(34 + 12), "the inner packet is untouched");
    }

    @Test
    void aDfPacketTooBigForTheTunnelIsAnsweredWithFragmentationNeeded() throws Exception {
        setUp(ForwardMethod.TUNNEL, 64, 1500);
        feed(tcpFrame(40000, SYN, 0));
        feed(tcpFrame(40000, ACK, 1460)); // 1500-byte IP packet: 1520 with the outer header
        assertEquals(2, port.sent.size());
        ByteBuffer icmp = ByteBuffer.wrap(port.sent.get(1));
        assertArrayEquals(CLIENT_MAC, java.util.Arrays.copyOfRange(port.sent.get(1), 0, 6));
        assertEquals(1, icmp.get(23), "ICMP");
        assertEquals(VIP, icmp.getInt(26));
        assertEquals(CLIENT, icmp.getInt(30));
        assertEquals(3, icmp.get(34));
        assertEquals(4, icmp.get(35));
        assertEquals(1480, icmp.getShort(40), "the MTU left inside the tunnel");
        assertEquals(0, Bytes.checksum(icmp, 34, icmp.limit() - 34));
        assertEquals(1, forwarder.counters.fragmentationNeededSent);
    }

    private static ServiceConfig persistentRr() {
        return new ServiceConfig(Fixtures.VIP, "rr", true, 360, ServiceConfig.IPV4_HOST_MASK, null, false, 0);
    }

    private Connection templateOfTheClient() throws Exception {
        return connections.get(Protocol.TCP, new InetSocketAddress(InetAddress.getByAddress(ByteBuffer.allocate(4).putInt(CLIENT).array()), 0),
                new InetSocketAddress(Fixtures.VIP.address(), 80));
    }

    @Test
    void newFlowsOfAPersistentServiceFollowTheClientsTemplateWhichTheyKeepAlive() throws Exception {
        setUp(persistentRr(), ForwardMethod.ROUTE, 64, 1500, "192.168.0.11", "192.168.0.12");
        for (int clientPort = 40000; clientPort < 40004; clientPort++) feed(tcpFrame(clientPort, SYN, 0));

        assertEquals(4, port.sent.size());
        Connection template = templateOfTheClient();
        assertNotNull(template, "the template is in the connection table, where -Lc lists it");
        assertEquals(1, connections.size());
        assertEquals(4, template.controlledCount());
        Dest chosen = template.dest();
        assertEquals(1, chosen.persistConns());
        assertEquals(4, chosen.activeConns() + chosen.inactiveConns(), "rr alone would have alternated");
        for (Dest other : virtualService.dests()) {
            if (other != chosen) assertEquals(0, other.activeConns() + other.inactiveConns());
        }

        forwarder.flows.expire(forwarder.now + TimeUnit.HOURS.toNanos(1));
        assertEquals(0, template.controlledCount(), "ended flows no longer hold their template");
        assertEquals(0, chosen.activeConns() + chosen.inactiveConns());
    }

    @Test
    void aPacketFlowIsSyncedOnceEstablishedWithItsTemplateFollowingEachPacket() throws Exception {
        setUp(persistentRr(), ForwardMethod.ROUTE, 64, 1500, "192.168.0.11", "192.168.0.12");
        try (DatagramChannel backup = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            backup.socket().setSoTimeout(10_000);
            NetworkInterface lo = NetworkInterface.getByInetAddress(InetAddress.getLoopbackAddress());
            try (SyncMaster master = new SyncMaster(lo, null, 1,
                    List.of((InetSocketAddress) backup.getLocalAddress()), 1472, 0, SendRules.defaults(),
                    System::nanoTime)) {
                forwarder.announcer = master;
                feed(tcpFrame(40000, SYN, 0));
                feed(tcpFrame(40000, ACK, 0));
                feed(tcpFrame(40000, ACK, 10)); // the 3rd packet, ESTABLISHED: the flow's record goes out

                List<SyncRecord> records = new ArrayList<>();
                byte[] data = new byte[65535];
                while (records.stream().allMatch(SyncRecord::template)) {
                    DatagramPacket message = new DatagramPacket(data, data.length);
                    backup.socket().receive(message); // SocketTimeoutException after 10 s fails the test
                    SyncMessageReader.read(ByteBuffer.wrap(data, 0, message.getLength()), 0, records::add);
                }
                assertEquals(3, records.stream().filter(SyncRecord::template).count(), "one per packet: " + records);
                SyncRecord flow = records.stream().filter(r -> !r.template()).findFirst().orElseThrow();
                assertEquals(1, records.stream().filter(r -> !r.template()).count());
                assertEquals(TcpState.ESTABLISHED.ordinal(), flow.state());
                assertEquals(40000, flow.clientPort());
                assertEquals(templateOfTheClient().dest().config().address(), flow.destination());
                assertEquals(ForwardMethod.ROUTE.code(), flow.forwardMethodCode());
                assertEquals(900, flow.timeoutSeconds());
            }
        }
    }

    private static SyncRecord syncedFlow(int flags, TcpState state, String realServer, int clientPort)
            throws Exception {
        return new SyncRecord(6, flags, state.ordinal(), clientPort, 80, 80, 0, 900,
                InetAddress.getByAddress(ByteBuffer.allocate(4).putInt(CLIENT).array()), Fixtures.VIP.address(),
                Fixtures.addr(realServer));
    }

    @Test
    void aReceivedFlowIsInstalledUnscheduledAndItsNextSegmentGoesToTheRecordsRealServer() throws Exception {
        setUp(Fixtures.service(Fixtures.VIP, "rr"), ForwardMethod.ROUTE, 64, 1500, "192.168.0.11", "192.168.0.12");
        Dest second = destAt("192.168.0.12");
        FlowInstaller installer = new FlowInstaller(forwarder, Runnable::run);

        assertTrue(installer.install(syncedFlow(ForwardMethod.ROUTE.code(), TcpState.ESTABLISHED, "192.168.0.12",
                40000)));
        assertEquals(1, forwarder.flows.size());
        assertEquals(1, second.activeConns(), "active by the record's state");
        assertEquals(0, second.stats().conns(), "not a scheduling decision");

        feed(tcpFrame(40000, ACK, 100)); // mid-connection: no SYN, yet not dropped
        assertEquals(1, port.sent.size());
        assertEquals(1, second.stats().inPkts());
        assertEquals(0, dest.stats().inPkts());
        assertEquals(0, forwarder.counters.noFlowNotSyn);
    }

    @Test
    void aRecordForAnotherServerReplacesTheFlowUnlessItIsTheInactiveTailOfAnOldOne() throws Exception {
        setUp(Fixtures.service(Fixtures.VIP, "rr"), ForwardMethod.ROUTE, 64, 1500, "192.168.0.11", "192.168.0.12");
        Dest second = destAt("192.168.0.12");
        FlowInstaller installer = new FlowInstaller(forwarder, Runnable::run);
        installer.install(syncedFlow(ForwardMethod.ROUTE.code(), TcpState.ESTABLISHED, "192.168.0.11", 40000));

        installer.install(syncedFlow(ForwardMethod.ROUTE.code() | SyncWire.FLAG_INACTIVE, TcpState.TIME_WAIT,
                "192.168.0.12", 40000));
        assertEquals(1, dest.activeConns(), "an inactive record of another server is ignored");

        installer.install(syncedFlow(ForwardMethod.ROUTE.code(), TcpState.ESTABLISHED, "192.168.0.12", 40000));
        assertEquals(0, dest.activeConns() + dest.inactiveConns());
        assertEquals(1, second.activeConns());
        assertEquals(1, forwarder.flows.size());
    }

    @Test
    void templatesAndRecordsOfServicesNotForwardedHereAreLeftToTheConnectionTable() throws Exception {
        setUp(ForwardMethod.ROUTE, 64, 1500);
        FlowInstaller installer = new FlowInstaller(forwarder, Runnable::run);
        SyncRecord template = syncedFlow(ForwardMethod.ROUTE.code() | SyncWire.FLAG_TEMPLATE, TcpState.NONE,
                "192.168.0.11", 0);
        SyncRecord otherService = new SyncRecord(6, 0, 1, 40000, 443, 443, 0, 900, template.client(),
                template.virtual(), template.destination());

        assertFalse(installer.install(template));
        assertFalse(installer.install(otherService));
        assertEquals(0, forwarder.flows.size());
    }

    /** Ethernet + IPv6 + TCP SYN from [fd00::7]:clientPort to [fd00::100]:80. */
    private static byte[] tcp6Syn(int clientPort) {
        ByteBuffer b = ByteBuffer.allocate(14 + 40 + 20);
        b.put(FakePort.MAC).put(CLIENT_MAC).putShort((short) 0x86dd);
        b.putInt(0x60000000).putShort((short) 20).put((byte) 6).put((byte) 64)
                .put(Fixtures.addr("fd00::7").getAddress()).put(Fixtures.addr("fd00::100").getAddress());
        b.putShort((short) clientPort).putShort((short) 80).putInt(1000).putInt(0).put((byte) 0x50)
                .put((byte) SYN).putShort((short) 65535).putInt(0);
        return b.array();
    }

    /** A solicited neighbour advertisement for {@code target} carrying {@code mac} (target link-layer option). */
    private static byte[] advertisement(InetAddress target, byte[] mac) {
        ByteBuffer b = ByteBuffer.allocate(14 + 40 + 32);
        b.put(FakePort.MAC).put(mac).putShort((short) 0x86dd);
        b.putInt(0x60000000).putShort((short) 32).put((byte) 58).put((byte) 255)
                .put(target.getAddress()).put(Fixtures.addr("fe80::1").getAddress());
        b.put((byte) 136).put((byte) 0).putShort((short) 0).putInt(0x60000000).put(target.getAddress())
                .put((byte) 2).put((byte) 1).put(mac);
        return b.array();
    }

    @Test
    void anIpv6SynWaitsForTheSolicitedMacThenGoesOutWithOnlyTheMacsRewritten() throws Exception {
        RuleTable rules = new RuleTable();
        var vip6 = dev.jvs.model.ServiceKey.of(dev.jvs.model.Protocol.TCP, Fixtures.addr("fd00::100"), 80);
        InetAddress rs = Fixtures.addr("fd00::11");
        rules.apply(List.of(Fixtures.addService(vip6, "rr"),
                Fixtures.addServer(vip6, RealServerConfig.of(rs, 80, ForwardMethod.ROUTE, 1))));
        VirtualService vs = rules.find(vip6);
        dest = vs.dests().get(0);
        Egress e = new Egress(dest, 0, FakePort.MAC, rs, Fixtures.addr("fe80::1"), 1500, false);
        IdentityHashMap<Dest, Egress> egress = new IdentityHashMap<>();
        egress.put(dest, e);
        List<Egress> asked = new java.util.ArrayList<>();
        ConnectionTable templates = new ConnectionTable(8, rules::timeouts);
        forwarder = new PacketForwarder(new FlowTable(64), rules::timeouts,
                new Scheduling(templates, () -> forwarder.now), (x, now) -> asked.add(x));
        forwarder.plan = new ForwardingPlan(new ServiceIndex(List.of(vs)), egress, new PacketPort[] {port});

        feed(tcp6Syn(40000));
        assertEquals(List.of(e), asked, "an unknown next hop is solicited");
        assertEquals(0, port.sent.size());

        feed(advertisement(rs, RS_MAC));
        byte[] retransmitted = tcp6Syn(40000);
        feed(retransmitted);
        assertEquals(1, port.sent.size(), "the client's retransmission goes out once the MAC is known");
        byte[] out = port.sent.get(0);
        assertArrayEquals(RS_MAC, java.util.Arrays.copyOfRange(out, 0, 6));
        assertArrayEquals(FakePort.MAC, java.util.Arrays.copyOfRange(out, 6, 12));
        assertArrayEquals(java.util.Arrays.copyOfRange(tcp6Syn(40000), 12, out.length),
                java.util.Arrays.copyOfRange(out, 12, out.length));
    }
}

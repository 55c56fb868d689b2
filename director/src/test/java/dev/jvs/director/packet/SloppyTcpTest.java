package dev.jvs.director.packet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import dev.jvs.os.PacketPort;

import dev.jvs.director.conn.ConnectionTable;
import dev.jvs.director.conn.Scheduling;
import dev.jvs.director.conn.TcpState;
import dev.jvs.director.rules.Dest;
import dev.jvs.director.rules.Fixtures;
import dev.jvs.director.rules.RuleTable;
import dev.jvs.director.rules.VirtualService;
import dev.jvs.model.Command;
import dev.jvs.model.ForwardMethod;
import dev.jvs.model.RealServerConfig;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code --sloppy-tcp} (the kernel's {@code sloppy_tcp}): a mid-flow segment of a flow this director never saw is
 * scheduled, as when an ECMP router moves a flow from a failed director; off, it is dropped as before.
 */
class SloppyTcpTest {

    private static final int VIP = 0x0a000001;    // 10.0.0.1 (Fixtures.VIP)
    private static final int SYN = 0x02;
    private static final int ACK = 0x10;
    private static final int PSH = 0x08;
    private static final int FIN = 0x01;
    private static final int RST = 0x04;
    private static final List<String> REAL_SERVERS = List.of("192.168.0.11", "192.168.0.12", "192.168.0.13");

    /** One director: its own rule table, flow table and forwarder, the same rules as every other. */
    private static final class Director {
        final FakePort port = new FakePort();
        final PacketForwarder forwarder;
        final VirtualService service;

        Director(boolean sloppy, List<String> realServersInAddOrder) throws Exception {
            RuleTable rules = new RuleTable();
            List<Command.RuleChange> commands = new ArrayList<>(List.of(Fixtures.addService(Fixtures.VIP, "mh")));
            for (String rs : realServersInAddOrder) {
                commands.add(Fixtures.addServer(Fixtures.VIP,
                        RealServerConfig.of(Fixtures.addr(rs), 80, ForwardMethod.ROUTE, 1)));
            }
            rules.apply(commands);
            service = rules.find(Fixtures.VIP);
            IdentityHashMap<Dest, Egress> egress = new IdentityHashMap<>();
            for (Dest d : service.dests()) {
                Egress e = new Egress(d, 0, FakePort.MAC, d.config().address(), Fixtures.addr("192.168.0.2"), 1500,
                        false);
                e.learn(new byte[] {2, 0, 0, 0, 0, (byte) (d.config().address().getAddress()[3])}, 0);
                egress.put(d, e);
            }
            ConnectionTable connections = new ConnectionTable(8, rules::timeouts);
            PacketForwarder f = new PacketForwarder(new FlowTable(1024), rules::timeouts,
                    new Scheduling(connections, () -> 0L), (x, now) -> { });
            f.plan = new ForwardingPlan(new ServiceIndex(List.of(service)), egress, new PacketPort[] {port});
            f.ingress = port;
            f.ingressMac = FakePort.MAC;
            f.sloppyTcp = sloppy;
            forwarder = f;
        }

        /** Feeds one segment; the last octet of the real server it went to, or -1 if nothing was sent. */
        int feed(int client, int clientPort, int flags) {
            int before = port.sent.size();
            byte[] frame = tcpFrame(client, clientPort, flags);
            forwarder.onFrame(ByteBuffer.wrap(frame), 0, frame.length, frame.length);
            if (port.sent.size() == before) return -1;
            return port.sent.get(port.sent.size() - 1)[5] & 0xff; // destination MAC's last byte
        }

        TcpState state(int client, int clientPort) {
            int slot = forwarder.flows.find(0, Integer.toUnsignedLong(client), 0, Integer.toUnsignedLong(VIP),
                    FlowTable.portsWord(6, false, clientPort, 80));
            return slot < 0 ? null : forwarder.flows.tcpState(slot);
        }
    }

    private static byte[] tcpFrame(int client, int clientPort, int flags) {
        ByteBuffer b = ByteBuffer.allocate(14 + 20 + 20 + 10);
        b.put(FakePort.MAC).put(new byte[] {2, 0, 0, 0, 0, 0x0c}).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) 50).putShort((short) 1)
                .putShort((short) 0x4000).put((byte) 64).put((byte) 6).putShort((short) 0).putInt(client).putInt(VIP);
        b.putShort(14 + 10, (short) Bytes.checksum(b, 14, 20));
        b.putShort((short) clientPort).putShort((short) 80).putInt(5000).putInt(7000).put((byte) 0x50)
                .put((byte) flags).putShort((short) 65535).putInt(0);
        return b.array();
    }

    @Test
    void offAsInTheKernelAMidFlowSegmentOfAnUnknownFlowIsDroppedAndCounted() throws Exception {
        Director d = new Director(false, REAL_SERVERS);
        assertEquals(-1, d.feed(0xc0000207, 40000, ACK | PSH));
        assertEquals(1, d.forwarder.counters.noFlowNotSyn);
        assertEquals(0, d.forwarder.flows.size());
    }

    @Test
    void onAMidFlowSegmentIsScheduledAndTheFlowIsEstablishedAsTheKernelsStateTableSays() throws Exception {
        Director d = new Director(true, REAL_SERVERS);
        int rs = d.feed(0xc0000207, 40000, ACK | PSH);
        assertEquals(true, rs >= 11 && rs <= 13, "sent to one of the real servers: " + rs);
        assertEquals(TcpState.ESTABLISHED, d.state(0xc0000207, 40000), "NONE + ACK -> ESTABLISHED");
        Dest dest = d.service.dests().stream().filter(x -> (x.config().address().getAddress()[3] & 0xff) == rs)
                .findFirst().orElseThrow();
        assertEquals(1, dest.activeConns());
        assertEquals(1, dest.stats().conns());
        assertEquals(rs, d.feed(0xc0000207, 40000, ACK), "the next segment follows the flow");
        assertEquals(1, dest.stats().conns());
        assertEquals(rs, d.feed(0xc0000207, 40000, FIN | ACK));
        assertEquals(TcpState.FIN_WAIT, d.state(0xc0000207, 40000));
    }

    @Test
    void onAResetStillNeverCreatesAFlowNorDoesSynWithFin() throws Exception {
        Director d = new Director(true, REAL_SERVERS);
        assertEquals(-1, d.feed(0xc0000207, 40000, RST | ACK));
        assertEquals(1, d.forwarder.counters.noFlowNotSyn);
        assertEquals(-1, d.feed(0xc0000207, 40001, SYN | FIN));
        assertEquals(1, d.forwarder.counters.oddTcpFlags);
        assertEquals(0, d.forwarder.flows.size());
    }

    @Test
    void withMhAFlowThatMovesToAnotherDirectorMidWayReachesTheSameRealServer() throws Exception {
        // Director A saw the SYNs; B (an identical table: same servers added in the same order, see MhAddOrderTest)
        // only the flows' later segments.
        Director a = new Director(false, REAL_SERVERS);
        Director b = new Director(true, REAL_SERVERS);
        int[] used = new int[256];
        for (int i = 0; i < 300; i++) {
            int client = 0xc6336400 + (i % 50);   // 198.51.100.0..49
            int clientPort = 30000 + i * 7;
            int rs = a.feed(client, clientPort, SYN);
            assertEquals(true, rs > 0, "A schedules the SYN");
            assertEquals(rs, b.feed(client, clientPort, ACK | PSH), "flow " + i + " on B");
            used[rs]++;
        }
        for (int rs = 11; rs <= 13; rs++) assertEquals(true, used[rs] > 0, "mh spreads: rs ." + rs);
    }
}

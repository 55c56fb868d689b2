package dev.jvs.director.packet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvs.director.conn.TcpEvent;
import dev.jvs.director.conn.TcpState;
import dev.jvs.director.rules.Dest;
import dev.jvs.director.rules.Fixtures;
import dev.jvs.director.rules.RuleTable;
import dev.jvs.model.ForwardMethod;
import dev.jvs.model.RealServerConfig;
import dev.jvs.model.Timeouts;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The flow table on an injected clock: state timeouts, counters, bound, deletion. */
class FlowTableTest {

    private static final long S = 1_000_000_000L;
    private static final long PORTS = FlowTable.portsWord(6, false, 40000, 80);
    private Dest dest;

    @BeforeEach
    void rules() throws Exception {
        RuleTable rules = new RuleTable();
        rules.apply(List.of(Fixtures.addService(Fixtures.VIP, "rr"), Fixtures.addServer(Fixtures.VIP,
                RealServerConfig.of(Fixtures.addr("192.168.0.11"), 80, ForwardMethod.ROUTE, 1))));
        dest = rules.find(Fixtures.VIP).dests().get(0);
    }

    @Test
    void aSynFlowIsActiveAndExpiresExactlyAfterTheSynRecvTimeout() {
        FlowTable t = new FlowTable(16);
        int slot = t.insert(0, 1, 0, 2, PORTS, dest, true, 0, Timeouts.KERNEL_DEFAULTS);
        assertEquals(TcpState.SYN_RECV, t.onTcpSegment(slot, TcpEvent.SYN, 0, Timeouts.KERNEL_DEFAULTS));
        assertEquals(1, dest.activeConns());
        assertEquals(0, t.expire(60 * S - 1));
        assertEquals(1, t.expire(60 * S));
        assertEquals(0, t.size());
        assertEquals(0, dest.activeConns());
        assertEquals(0, dest.inactiveConns());
    }

    @Test
    void establishedAndFinWaitFollowTheSetTimeoutsAndUdpItsOwn() {
        Timeouts set = new Timeouts(30, 7, 5);
        FlowTable t = new FlowTable(16);
        int tcp = t.insert(0, 1, 0, 2, PORTS, dest, true, 0, set);
        t.onTcpSegment(tcp, TcpEvent.SYN, 0, set);
        assertEquals(TcpState.ESTABLISHED, t.onTcpSegment(tcp, TcpEvent.ACK, 0, set));
        assertEquals(30 * S, t.expiresAtNanos(tcp));
        assertEquals(TcpState.FIN_WAIT, t.onTcpSegment(tcp, TcpEvent.FIN, 10 * S, set));
        assertEquals(17 * S, t.expiresAtNanos(t.find(0, 1, 0, 2, PORTS)));
        assertEquals(0, dest.activeConns(), "FIN_WAIT counts as inactive");
        assertEquals(1, dest.inactiveConns());

        int udp = t.insert(0, 3, 0, 2, FlowTable.portsWord(17, false, 5353, 53), dest, false, 0, set);
        assertEquals("UDP", t.stateName(udp));
        assertEquals(5 * S, t.expiresAtNanos(udp));
        t.expire(17 * S);
        assertEquals(0, t.size());
    }

    @Test
    void aSyncedFlowCopiedIntoEveryPacketThreadCountsOnceInItsServer() {
        // Two packet threads' tables get the same synced flow: only the counted copy moves the server's numbers,
        // through its state changes and its end, whichever copy then sees the packets.
        FlowTable counted = new FlowTable(16);
        FlowTable shadow = new FlowTable(16);
        byte established = (byte) TcpState.ESTABLISHED.ordinal();
        int a = counted.insertSynced(0, 1, 0, 2, PORTS, dest, established, 900 * S, 0, true);
        int b = shadow.insertSynced(0, 1, 0, 2, PORTS, dest, established, 900 * S, 0, false);
        assertEquals(1, dest.activeConns());
        assertEquals(0, dest.inactiveConns());
        assertEquals(TcpState.FIN_WAIT, shadow.onTcpSegment(b, TcpEvent.FIN, S, Timeouts.KERNEL_DEFAULTS));
        assertEquals(1, dest.activeConns(), "the shadow copy's state change moves nothing");
        shadow.remove(b);
        assertEquals(1, dest.activeConns(), "nor does its end");
        counted.remove(a);
        assertEquals(0, dest.activeConns());
        assertEquals(0, dest.inactiveConns());
    }

    @Test
    void aFullTableRefusesAndCountsNewFlows() {
        FlowTable t = new FlowTable(3);
        for (int i = 0; i < 3; i++) assertTrue(t.insert(0, i, 0, 2, PORTS, dest, true, 0, Timeouts.KERNEL_DEFAULTS) >= 0);
        assertEquals(-1, t.insert(0, 99, 0, 2, PORTS, dest, true, 0, Timeouts.KERNEL_DEFAULTS));
        assertEquals(1, t.rejectedWhenFull());
        assertEquals(3, t.size());
    }

    @Test
    void removingFlowsKeepsEveryOtherFlowFindable() {
        FlowTable t = new FlowTable(5000);
        for (int i = 0; i < 5000; i++) t.insert(0, i, 0, 2, PORTS, dest, true, 0, Timeouts.KERNEL_DEFAULTS);
        for (int i = 0; i < 5000; i += 2) t.remove(t.find(0, i, 0, 2, PORTS));
        for (int i = 0; i < 5000; i++) {
            assertEquals(i % 2 == 1, t.find(0, i, 0, 2, PORTS) >= 0, "flow " + i);
        }
        assertEquals(2500, t.size());
        assertEquals(2500, dest.inactiveConns());
    }
}

package dev.jvs.director.sync;

import dev.jvs.director.conn.SyncedConnection;
import dev.jvs.model.Protocol;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The master's send decisions of §6.3 with the default sync_threshold 3 50. */
class SendRulesTest {

    private static final int NONE = 0, ESTABLISHED = 1, SYN_RECV = 3, FIN_WAIT = 4, TIME_WAIT = 5, CLOSE = 6,
            CLOSE_WAIT = 7, LAST_ACK = 8;

    private final SendRules rules = SendRules.defaults();

    @Test
    void anEstablishedConnectionGoesOutOnThe3rdThe53rdAndThe103rdPacket() {
        FakeConnection c = new FakeConnection(Protocol.TCP, ESTABLISHED, 0);
        c.lastSyncedState(ESTABLISHED);
        assertEquals(List.of(3, 53, 103), sentPackets(c, 120));
    }

    @Test
    void becomingEstablishedIsNoReasonToSendBeforeThePacketRuleSaysSo() {
        FakeConnection c = new FakeConnection(Protocol.TCP, ESTABLISHED, 0);
        assertFalse(rules.shouldSend(c, 2));
        assertTrue(rules.shouldSend(c, 3));
    }

    @Test
    void aChangeToAClosingStateGoesOutAtOnceAndOnlyOnce() {
        for (int closing : List.of(FIN_WAIT, CLOSE, CLOSE_WAIT, TIME_WAIT)) {
            FakeConnection c = new FakeConnection(Protocol.TCP, closing, 0);
            c.lastSyncedState(ESTABLISHED);
            assertTrue(rules.shouldSend(c, 17), "state " + closing);
            assertFalse(rules.shouldSend(c, 18), "state " + closing + " again");
        }
    }

    @Test
    void tcpConnectionsInOtherStatesAreNeverSent() {
        for (int state : List.of(NONE, SYN_RECV, LAST_ACK)) {
            FakeConnection c = new FakeConnection(Protocol.TCP, state, 0);
            assertEquals(List.of(), sentPackets(c, 60), "state " + state);
        }
    }

    @Test
    void udpFollowsThePacketRuleOnly() {
        FakeConnection c = new FakeConnection(Protocol.UDP, 0, SyncWire.FLAG_INACTIVE);
        assertEquals(List.of(3, 53), sentPackets(c, 60));
    }

    @Test
    void templatesSkipThePacketTest() {
        FakeConnection t = new FakeConnection(Protocol.TCP, 0, SyncWire.FLAG_TEMPLATE | SyncWire.FLAG_INACTIVE);
        assertEquals(List.of(1, 2, 3, 4, 5), sentPackets(t, 5));
    }

    @Test
    void onePacketConnectionsAreNeverSent() {
        FakeConnection c = new FakeConnection(Protocol.UDP, 0, SyncWire.FLAG_ONE_PACKET);
        assertEquals(List.of(), sentPackets(c, 60));
    }

    @Test
    void withPeriodZeroOnlyTheThresholdPacketSends() {
        SendRules once = new SendRules(3, 0);
        FakeConnection c = new FakeConnection(Protocol.UDP, 0, 0);
        List<Integer> sent = new ArrayList<>();
        for (int p = 1; p <= 60; p++) if (once.shouldSend(c, p)) sent.add(p);
        assertEquals(List.of(3), sent);
    }

    private List<Integer> sentPackets(FakeConnection c, int packets) {
        List<Integer> sent = new ArrayList<>();
        for (int p = 1; p <= packets; p++) {
            if (rules.shouldSend(c, p)) sent.add(p);
        }
        return sent;
    }

    /** A connection of some data path, as the master sees it. */
    static final class FakeConnection implements SyncedConnection {
        final Protocol protocol;
        int state;
        final int flags;
        int packets;
        int lastSynced;
        boolean movable = true;
        SyncedConnection controller;

        FakeConnection(Protocol protocol, int state, int flags) {
            this.protocol = protocol;
            this.state = state;
            this.flags = flags;
        }

        @Override public Protocol protocol() { return protocol; }
        @Override public InetSocketAddress client() { return new InetSocketAddress("203.0.113.5", isTemplate() ? 0 : 40000); }
        @Override public InetSocketAddress virtual() { return new InetSocketAddress("10.0.0.1", 80); }
        @Override public InetSocketAddress destination() { return new InetSocketAddress("192.168.0.1", 80); }
        @Override public int syncFlags() { return flags; }
        @Override public int syncState() { return state; }
        @Override public long timeoutSeconds() { return isTemplate() ? 360 : 900; }
        @Override public SyncedConnection controller() { return controller; }
        @Override public boolean movable() { return movable; }
        @Override public int countPacketIn() { return ++packets; }
        @Override public int lastSyncedState() { return lastSynced; }
        @Override public void lastSyncedState(int s) { lastSynced = s; }
    }
}

package dev.jvs.director.conn;

import dev.jvs.director.rules.Dest;
import dev.jvs.director.rules.RuleTable;
import dev.jvs.model.Protocol;
import dev.jvs.model.Timeouts;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.jvs.director.rules.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

class ConnectionTableTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private static final InetSocketAddress VIRTUAL = new InetSocketAddress(addr("10.0.0.1"), 80);

    private final RuleTable rules = serviceWith("wlc", thresholds(rs(A, 1), 2, 0));
    private final Dest dest = rules.find(VIP).dests().get(0);
    private final ConnectionTable table = new ConnectionTable(8, rules::timeouts);

    private Connection tcp(int clientPort, long now) {
        return new Connection(Protocol.TCP, new InetSocketAddress(addr("192.0.2.7"), clientPort), VIRTUAL, dest,
                table.timeouts(), now);
    }

    @Test
    void aNewConnectionIsBoundInactiveAndTheFirstSynMakesItActive() {
        Connection c = tcp(1000, 0);
        assertEquals(1, dest.inactiveConns());
        assertEquals(1, dest.stats().conns());
        assertEquals(TcpState.NONE, c.state());
        c.tcpEvent(Direction.INPUT, TcpEvent.SYN);
        assertEquals(1, dest.activeConns());
        assertEquals(0, dest.inactiveConns());
        c.tcpEvent(Direction.INPUT, TcpEvent.ACK);   // ESTABLISHED: still active
        assertEquals(1, dest.activeConns());
        c.tcpEvent(Direction.INPUT, TcpEvent.FIN);   // CLOSE_WAIT: inactive
        assertEquals(0, dest.activeConns());
        assertEquals(1, dest.inactiveConns());
        c.tcpEvent(Direction.OUTPUT, TcpEvent.RST);  // CLOSE: stays inactive
        assertEquals(1, dest.inactiveConns());
        assertEquals("CLOSE", c.stateName());
        assertEquals(new InetSocketAddress(addr(A), 80), c.destination());
    }

    @Test
    void anEntryKeepsItsKeyAsNumbersAndIsFoundByTheKeyAsObjects() {
        InetSocketAddress v4 = new InetSocketAddress(addr("1.2.3.4"), 5000);
        InetSocketAddress compatible = new InetSocketAddress(addr("::1.2.3.4"), 5000); // the same low word
        InetSocketAddress v6 = new InetSocketAddress(addr("2001:db8::1:2:3:4"), 5000);
        for (InetSocketAddress client : List.of(v4, compatible, v6)) {
            Connection c = new Connection(Protocol.TCP, client, VIRTUAL, dest, table.timeouts(), 0);
            assertTrue(c.hold());
            assertTrue(table.insert(c));
            assertEquals(client, c.client(), "the client's address and port come back as they went in");
            assertEquals(new ConnectionKey(Protocol.TCP, client, VIRTUAL), c.key());
        }
        assertEquals(3, table.size(), "an IPv4 client and an IPv6 one with the same low word are two keys");
        for (InetSocketAddress client : List.of(v4, compatible, v6)) {
            Connection found = table.get(Protocol.TCP, client, VIRTUAL);
            assertNotNull(found, "found by its key: " + client);
            assertEquals(client, found.client());
            assertNull(table.get(Protocol.UDP, client, VIRTUAL), "the protocol is part of the key");
            assertNull(table.get(Protocol.TCP, new InetSocketAddress(client.getAddress(), 5001), VIRTUAL));
        }
        Connection again = new Connection(Protocol.TCP, new InetSocketAddress(addr("2001:db8::1:2:3:4"), 5000),
                VIRTUAL, dest, table.timeouts(), 0);
        assertTrue(again.hold());
        Connection replaced = table.insertReplacing(again);
        assertNotNull(replaced, "a new connection from the same address and port replaces the old entry");
        assertEquals(v6, replaced.client());
        assertEquals(3, table.size());
        assertSame(again, table.get(Protocol.TCP, v6, VIRTUAL));
    }

    @Test
    void expiryUnbindsExactlyOnce() {
        Connection c = tcp(1000, 0);
        c.tcpEvent(Direction.INPUT, TcpEvent.SYN);
        c.touch(0); // SYN_RECV: 60 s
        assertTrue(table.insert(c));
        assertEquals(0, table.expire(59 * SECOND));
        assertEquals(1, table.size());
        assertEquals(1, table.expire(60 * SECOND));
        assertEquals(0, table.size());
        assertEquals(0, dest.activeConns());
        assertEquals(0, dest.inactiveConns());
        assertEquals(0, table.expire(600 * SECOND));
        assertFalse(table.remove(c));
        assertEquals(0, dest.activeConns());
        assertEquals(0, dest.inactiveConns());
        assertFalse(c.hold());
        assertEquals(TcpState.SYN_RECV, c.tcpEvent(Direction.INPUT, TcpEvent.ACK)); // dead: no more moves
        assertEquals(0, dest.activeConns());
    }

    @Test
    void aHeldConnectionNeverExpiresAndReleaseStartsItsTimer() {
        Connection c = tcp(1000, 0);
        c.tcpEvent(Direction.INPUT, TcpEvent.SYN);
        c.tcpEvent(Direction.INPUT, TcpEvent.ACK);
        assertTrue(c.hold());
        table.insert(c);
        assertEquals(0, table.expire(10_000 * SECOND));
        assertEquals(0, c.expiresInSeconds(10_000 * SECOND), "past its deadline: its owner ends it, not the table");
        c.touch(9_500 * SECOND);
        assertEquals(400, c.expiresInSeconds(10_000 * SECOND), "a held entry counts down from its last packet");
        c.release(10_000 * SECOND);
        assertEquals(900, c.expiresInSeconds(10_000 * SECOND));
        assertEquals(400, c.expiresInSeconds(10_500 * SECOND));
        assertEquals(0, table.expire(10_899 * SECOND));
        assertEquals(1, table.expire(10_900 * SECOND));
        assertEquals(0, dest.activeConns());
    }

    @Test
    void setTimeoutsApplyToEstablishedFinWaitAndUdp() throws Exception {
        rules.apply(List.of(set(100, 20, 7)));
        Connection c = tcp(1000, 0);
        c.tcpEvent(Direction.INPUT, TcpEvent.SYN);
        c.tcpEvent(Direction.INPUT, TcpEvent.ACK);
        c.touch(0);
        assertEquals(100, c.expiresInSeconds(0));
        c.tcpEvent(Direction.OUTPUT, TcpEvent.FIN);
        c.touch(0);
        assertEquals(TcpState.FIN_WAIT, c.state());
        assertEquals(20, c.expiresInSeconds(0));
        Connection u = new Connection(Protocol.UDP, new InetSocketAddress(addr("192.0.2.7"), 53), VIRTUAL, dest,
                table.timeouts(), 0);
        assertEquals(7, u.expiresInSeconds(0));
        assertEquals("UDP", u.stateName());
        assertThrows(IllegalStateException.class, () -> u.tcpEvent(Direction.INPUT, TcpEvent.SYN));
    }

    @Test
    void expiryOfTheLastConnectionsClearsOverload() {
        Connection c1 = tcp(1000, 0);
        Connection c2 = tcp(1001, 0);
        assertTrue(dest.overloaded());
        table.insert(c1);
        table.insert(c2);
        assertEquals(2, table.expire(2 * SECOND)); // NONE: 2 s
        assertFalse(dest.overloaded());
    }

    @Test
    void removeUnbindsEvenWhenHeldAndOnlyOnce() {
        Connection c = tcp(1000, 0);
        c.hold();
        table.insert(c);
        assertTrue(table.remove(c));
        assertFalse(table.remove(c));
        assertEquals(0, dest.inactiveConns());
        assertEquals(0, table.size());
    }

    @Test
    void keysAreProtocolClientAndVirtual() {
        Connection c = tcp(1000, 0);
        assertTrue(table.insert(c));
        assertFalse(table.insert(tcp(1000, 0)));
        assertTrue(table.insert(tcp(1001, 0)));
        assertSame(c, table.get(Protocol.TCP, new InetSocketAddress(addr("192.0.2.7"), 1000), VIRTUAL));
        assertNull(table.get(Protocol.UDP, new InetSocketAddress(addr("192.0.2.7"), 1000), VIRTUAL));
        assertEquals(2, table.size());
    }

    @Test
    void aNewEntryReplacesOneWithItsKeyUnbindingItOnceHeldOrNot() {
        Connection timeWait = tcp(1000, 0);
        Connection other = tcp(1001, 0);
        assertTrue(table.insert(timeWait));
        assertTrue(table.insert(other));
        assertEquals(2, dest.inactiveConns());

        Connection reuse = tcp(1000, 0);
        reuse.hold();
        assertSame(timeWait, table.insertReplacing(reuse));
        assertSame(reuse, table.get(Protocol.TCP, new InetSocketAddress(addr("192.0.2.7"), 1000), VIRTUAL));
        assertEquals(2, table.size());
        assertEquals(2, dest.inactiveConns()); // the replaced entry no longer counts; the new one does
        assertFalse(table.remove(timeWait));

        Connection again = tcp(1000, 0);
        assertSame(reuse, table.insertReplacing(again)); // a held entry is replaced too, as IPVS does
        assertFalse(reuse.unbind());
        assertEquals(2, dest.inactiveConns());
        assertNull(table.insertReplacing(tcp(1002, 0)));
        assertEquals(3, table.size());
        assertEquals(3, dest.inactiveConns());
        List<Connection> seen = new ArrayList<>();
        table.forEach(seen::add);
        assertEquals(3, seen.size());
        assertTrue(seen.contains(again) && seen.contains(other));
    }

    @Test
    void manyEntriesShareBucketsAndAreAllVisited() {
        for (int port = 1; port <= 2000; port++) {
            assertTrue(table.insert(tcp(port, 0)));
        }
        List<Connection> seen = new ArrayList<>();
        table.forEach(seen::add);
        assertEquals(2000, seen.size());
        assertEquals(2000, table.expire(5 * SECOND));
        assertEquals(0, dest.inactiveConns());
        assertEquals(0, table.size());
    }

    @Test
    void bucketCountIsAPowerOfTwoFromEightToTwentyBits() {
        assertEquals(4096, new ConnectionTable(() -> Timeouts.KERNEL_DEFAULTS).bucketCount());
        assertEquals(256, new ConnectionTable(8, () -> Timeouts.KERNEL_DEFAULTS).bucketCount());
        assertEquals(1 << 20, new ConnectionTable(20, () -> Timeouts.KERNEL_DEFAULTS).bucketCount());
        assertThrows(IllegalArgumentException.class, () -> new ConnectionTable(7, () -> Timeouts.KERNEL_DEFAULTS));
        assertThrows(IllegalArgumentException.class, () -> new ConnectionTable(21, () -> Timeouts.KERNEL_DEFAULTS));
    }

    @Test
    void connectionsKeepCountingOnADeletedServer() throws Exception {
        Connection c = tcp(1000, 0);
        c.tcpEvent(Direction.INPUT, TcpEvent.SYN);
        table.insert(c);
        rules.apply(List.of(deleteServer(VIP, A)));
        assertFalse(dest.available());
        c.countIn(10);
        assertEquals(10, dest.stats().inBytes());
        assertEquals(1, table.expire(60 * SECOND));
        assertEquals(0, dest.activeConns());
    }
}

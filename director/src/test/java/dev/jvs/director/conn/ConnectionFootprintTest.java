package dev.jvs.director.conn;

import dev.jvs.director.rules.Dest;
import dev.jvs.director.rules.RuleTable;
import dev.jvs.model.Protocol;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;

import static dev.jvs.director.rules.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Heap per TIME_WAIT entry, measured: many closed connections' entries in a table, the heap after a full GC
 * before and after. The kernel keeps about 300 bytes per IPVS connection; a JVS entry must not keep more.
 */
class ConnectionFootprintTest {

    private static final int ENTRIES = 100_000;
    private static final long BUDGET_BYTES = 300;

    @Test
    void aTimeWaitEntryTakesAtMost300BytesOfHeap() throws Exception {
        RuleTable rules = serviceWith("rr", rs(A, 1));
        Dest dest = rules.find(VIP).dests().get(0);
        ConnectionTable table = new ConnectionTable(ConnectionTable.MAX_BITS, rules::timeouts);
        // One virtual address object per service, as the NAT proxy shares it.
        InetSocketAddress virtual = new InetSocketAddress(VIP.address(), VIP.port());
        long before = heapAfterGc();
        long now = System.nanoTime();
        for (int i = 0; i < ENTRIES; i++) {
            // A fresh client address object per connection, as a socket's remote address is.
            InetAddress ip = InetAddress.getByAddress(new byte[] {10, (byte) (i >>> 16), (byte) (i >>> 8), (byte) i});
            Connection c = new Connection(Protocol.TCP, new InetSocketAddress(ip, 1024 + i % 60_000), virtual,
                    dest, table.timeouts(), now);
            assertTrue(c.hold());
            assertTrue(table.insert(c));
            c.tcpEvent(Direction.INPUT, TcpEvent.SYN);
            c.tcpEvent(Direction.OUTPUT, TcpEvent.SYN);
            c.tcpEvent(Direction.INPUT, TcpEvent.ACK);
            c.tcpEvent(Direction.INPUT, TcpEvent.FIN);
            c.tcpEvent(Direction.OUTPUT, TcpEvent.FIN);
            c.release(now);
        }
        long after = heapAfterGc();
        assertEquals(ENTRIES, table.size());
        table.forEach(c -> assertEquals("TIME_WAIT", c.stateName()));
        long perEntry = (after - before) / ENTRIES;
        System.out.printf("heap per TIME_WAIT entry: %d bytes (%d entries)%n", perEntry, ENTRIES);
        assertTrue(perEntry <= BUDGET_BYTES, "heap per TIME_WAIT entry: " + perEntry + " bytes");
        assertTrue(perEntry > 0, "the entries were still reachable when measured");
        assertEquals(ENTRIES, dest.inactiveConns()); // keeps table and entries reachable up to here
    }

    private static long heapAfterGc() throws InterruptedException {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        // A few collections until the figure settles (reference processing can free more on the next one).
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(20);
            long now = memory.getHeapMemoryUsage().getUsed();
            if (now >= used && used - now < 64 * 1024) return Math.min(now, used);
            used = Math.min(used, now);
        }
        return used;
    }
}

package dev.jvs.director.nat;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** The accept gate's arithmetic and its log lines, without sockets (TcpNatTest and LimitsIT have them). */
class AcceptGateTest {

    private final List<String> lines = new ArrayList<>();
    // 100 descriptors, a reserve of 90, 2 listening sockets: (100 - 90 - 2) / 2 = 4 connections
    private final AcceptGate gate = new AcceptGate(100, 90, lines::add);

    AcceptGateTest() {
        gate.listeningSockets(2);
    }

    @Test
    void closesAtTheCapAndOpensOnceAFewConnectionsHaveEnded() {
        assertEquals(4, gate.pauseAt());
        gate.acquired(3);
        assertTrue(gate.isOpen());
        gate.acquired(4);
        assertFalse(gate.isOpen(), "four connections of two descriptors fill what the reserve leaves");
        gate.released(4);
        assertFalse(gate.isOpen());
        gate.released(3);
        assertTrue(gate.isOpen(), "open again below the cap");
        assertEquals(1, gate.pauses());
    }

    @Test
    void saysAtOnceThatItStoppedThenAtMostOnceInTenSecondsWithHowOften() {
        long t0 = 1_000_000_000L;
        gate.report(t0);
        assertTrue(lines.isEmpty(), "nothing to say before a pause");

        pauseAndResume();
        gate.report(t0);
        assertEquals(1, lines.size());
        assertTrue(lines.get(0).startsWith("NAT listeners stopped accepting at 4 proxied connections: two "
                + "descriptors each, with 2 listening sockets and a reserve of 90"), lines.get(0));

        pauseAndResume();
        pauseAndResume();
        gate.report(t0 + TimeUnit.SECONDS.toNanos(9));
        assertEquals(1, lines.size(), "within 10 s of the last line: nothing");
        gate.report(t0 + TimeUnit.SECONDS.toNanos(10));
        assertEquals(2, lines.size());
        assertTrue(lines.get(1).startsWith("NAT listeners stopped accepting at 4 proxied connections (2 times since"
                + " the last report)"), lines.get(1));
        gate.report(t0 + TimeUnit.SECONDS.toNanos(30));
        assertEquals(2, lines.size(), "no new pause: nothing");
    }

    private void pauseAndResume() {
        gate.acquired(4);
        gate.released(3);
    }
}

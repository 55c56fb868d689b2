package dev.jvs.director.sched;

import dev.jvs.director.rules.Dest;
import dev.jvs.director.rules.RuleTable;
import dev.jvs.director.rules.VirtualService;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static dev.jvs.director.rules.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

/** §3.3: an OVERLOADed server gets no new connection from any scheduler (lblc only for a cached server). */
class OverloadTest {

    @ParameterizedTest
    // lblc is left out on purpose: its cached server ignores the flag (SequenceSchedulersTest covers that)
    @ValueSource(strings = {"rr", "wrr", "lc", "wlc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh",
            "twos"})
    void anOverloadedServerGetsNoNewConnectionsUntilBelowThreeQuartersOfTheUpperThreshold(String scheduler) {
        RuleTable table = serviceWith(scheduler, thresholds(rs(A, 1), 4, 0));
        VirtualService vs = table.find(VIP);
        Dest a = vs.dests().get(0);
        for (int i = 0; i < 4; i++) {
            assertSame(a, vs.schedule(CLIENT), "connection " + (i + 1));
            a.bindConnection();
        }
        assertTrue(a.overloaded());
        assertNull(vs.schedule(CLIENT));
        a.unbind(false);  // 3 left: 3*4 < 4*3 is false, still overloaded
        assertNull(vs.schedule(CLIENT));
        a.unbind(false);  // 2 left: cleared
        assertSame(a, vs.schedule(CLIENT));
    }
}

package dev.jvs.director.sched;

import dev.jvs.director.rules.Dest;
import dev.jvs.director.rules.RuleTable;
import dev.jvs.director.rules.VirtualService;
import org.junit.jupiter.api.Test;

import static dev.jvs.director.rules.Fixtures.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;

class LeastConnectionSchedulersTest {

    @Test
    void lcTiesGoToTheFirstServerInListOrder() {
        RuleTable table = serviceWith("lc", rs(A, 1), rs(B, 5), rs(C, 1));
        assertEquals("C B A C B A", pick(table.find(VIP), 6, true, true));
    }

    @Test
    void lcWeighsActiveConnectionsAt256Inactive() {
        RuleTable table = serviceWith("lc", rs(A, 1), rs(B, 1));
        VirtualService vs = table.find(VIP);
        Dest b = vs.dests().get(0);
        Dest a = vs.dests().get(1);
        b.bindConnection();
        b.moveToActive();            // B: 256
        for (int i = 0; i < 255; i++) {
            a.bindConnection();      // A: 255
        }
        assertEquals("A", pick(vs, 1));
        a.bindConnection();          // A: 256 = B, tie → B (first in list)
        assertEquals("B", pick(vs, 1));
    }

    @Test
    void lcSkipsWeightZeroAndOverloaded() {
        RuleTable table = serviceWith("lc", rs(A, 1), rs(B, 0), thresholds(rs(C, 1), 1, 0));
        VirtualService vs = table.find(VIP);
        vs.dests().get(0).bindConnection();
        for (int i = 0; i < 3; i++) {
            vs.dests().get(2).bindConnection();
        }
        assertEquals("A", pick(vs, 1));
    }

    @Test
    void wlcWorkedExample() {
        RuleTable table = serviceWith("wlc", rs(B, 2), rs(A, 1));
        assertEquals("A B B A B B A", pick(table.find(VIP), 7, true, true));
    }

    @Test
    void wlcWeightZeroCanNeitherStartNorWin() {
        RuleTable table = serviceWith("wlc", rs(A, 1), rs(B, 0));
        VirtualService vs = table.find(VIP);
        for (int i = 0; i < 10; i++) {
            vs.dests().get(1).bindConnection();
        }
        assertEquals("A", pick(vs, 1));
    }

    @Test
    void wlcSkipsOverloadedAndReturnsNoneWhenNothingQualifies() {
        RuleTable table = serviceWith("wlc", rs(A, 1), thresholds(rs(B, 1), 1, 0));
        VirtualService vs = table.find(VIP);
        vs.dests().get(0).bindConnection();  // B overloaded
        vs.dests().get(1).bindConnection();
        vs.dests().get(1).bindConnection();
        assertEquals("A", pick(vs, 1));
        apply(table, editServer(VIP, rs(A, 0)));
        assertNull(vs.schedule(CLIENT));
    }

    @Test
    void wlcCompareUses64BitProducts() {
        RuleTable table = serviceWith("wlc", rs(A, 65535), rs(B, 65535));
        VirtualService vs = table.find(VIP);
        Dest b = vs.dests().get(0);
        Dest a = vs.dests().get(1);
        for (int i = 0; i < 40000; i++) {
            b.bindConnection();
            b.moveToActive(); // B overhead 10_240_000; times 65535 overflows an int
        }
        assertEquals("A", pick(vs, 1));
        assertEquals(0, a.activeConns());
    }

    @Test
    void registryGivesFreshInstancesAndRejectsUnknownNames() {
        for (String name : new String[] {"rr", "wrr", "lc", "wlc"}) {
            Scheduler s = Schedulers.create(name);
            assertEquals(name, s.name());
            assertNotSame(s, Schedulers.create(name));
        }
        assertNull(Schedulers.create("nosuch"));
        assertNull(Schedulers.create(null));
    }
}

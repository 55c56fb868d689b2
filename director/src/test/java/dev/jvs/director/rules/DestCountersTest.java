package dev.jvs.director.rules;

import dev.jvs.model.Stats;
import org.junit.jupiter.api.Test;

import static dev.jvs.director.rules.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

class DestCountersTest {

    private static Dest onlyDest(RuleTable table) {
        return table.find(VIP).dests().get(0);
    }

    @Test
    void bindCountsAnInactiveConnectionOnTheServerAndTheService() {
        RuleTable table = serviceWith("rr", rs(A, 1));
        Dest a = onlyDest(table);
        a.bindConnection();
        assertEquals(1, a.inactiveConns());
        assertEquals(0, a.activeConns());
        a.moveToActive();
        assertEquals(1, a.activeConns());
        assertEquals(0, a.inactiveConns());
        a.countIn(10);
        a.countOut(20);
        a.countOut(5);
        assertEquals(new Stats(1, 1, 2, 10, 25), a.stats());
        assertEquals(new Stats(1, 1, 2, 10, 25), table.find(VIP).stats());
        a.unbind(true);
        assertEquals(0, a.activeConns());
        a.zero();
        assertEquals(Stats.ZERO, a.stats());
    }

    @Test
    void upperThresholdCountsActivePlusInactive() {
        Dest a = onlyDest(serviceWith("rr", thresholds(rs(A, 1), 3, 0)));
        a.bindConnection();
        a.moveToActive();
        a.bindConnection();
        assertFalse(a.overloaded());
        a.bindConnection();
        assertTrue(a.overloaded());
    }

    @Test
    void withoutALowerThresholdOverloadClearsBelowThreeQuartersOfTheUpper() {
        Dest a = onlyDest(serviceWith("rr", thresholds(rs(A, 1), 4, 0)));
        for (int i = 0; i < 4; i++) {
            a.bindConnection();
        }
        assertTrue(a.overloaded());
        a.unbind(false); // 3: 12 < 12 is false
        assertTrue(a.overloaded());
        a.unbind(false); // 2
        assertFalse(a.overloaded());
    }

    @Test
    void withALowerThresholdOverloadClearsStrictlyBelowIt() {
        Dest a = onlyDest(serviceWith("rr", thresholds(rs(A, 1), 4, 3)));
        for (int i = 0; i < 4; i++) {
            a.bindConnection();
        }
        assertTrue(a.overloaded());
        a.unbind(false);
        assertTrue(a.overloaded());
        a.unbind(false);
        assertFalse(a.overloaded());
    }

    @Test
    void stateChangesDoNotReEvaluateTheFlag() {
        Dest a = onlyDest(serviceWith("rr", thresholds(rs(A, 1), 1, 0)));
        a.bindConnection();
        assertTrue(a.overloaded());
        a.moveToActive();
        a.moveToInactive();
        assertTrue(a.overloaded());
    }

    @Test
    void editingClearsOverloadOnlyWhenTheUpperThresholdIsRemovedOrRaised() {
        RuleTable table = serviceWith("rr", thresholds(rs(A, 1), 2, 0));
        Dest a = onlyDest(table);
        a.bindConnection();
        a.bindConnection();
        assertTrue(a.overloaded());
        apply(table, editServer(VIP, thresholds(rs(A, 1), 1, 0)));
        assertTrue(a.overloaded());
        apply(table, editServer(VIP, thresholds(rs(A, 1), 2, 0)));
        assertFalse(a.overloaded());
        a.bindConnection();
        assertTrue(a.overloaded());
        apply(table, editServer(VIP, rs(A, 1)));
        assertFalse(a.overloaded());
        assertSame(a, onlyDest(table));
    }

    @Test
    void noThresholdsMeansAnUnbindClearsTheFlag() {
        RuleTable table = serviceWith("rr", thresholds(rs(A, 1), 1, 0));
        Dest a = onlyDest(table);
        a.bindConnection();
        a.bindConnection();
        apply(table, editServer(VIP, thresholds(rs(A, 1), 1, 0))); // same upper: stays overloaded
        assertTrue(a.overloaded());
        a.unbind(false);
        assertTrue(a.overloaded()); // 1*4 < 1*3 false
        a.unbind(false);
        assertFalse(a.overloaded());
    }
}

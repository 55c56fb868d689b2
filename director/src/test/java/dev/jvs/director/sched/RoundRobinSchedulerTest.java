package dev.jvs.director.sched;

import dev.jvs.director.rules.RuleTable;
import dev.jvs.director.rules.VirtualService;
import org.junit.jupiter.api.Test;

import static dev.jvs.director.rules.Fixtures.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class RoundRobinSchedulerTest {

    @Test
    void serversAddedABCAreServedNewestFirst() {
        RuleTable table = serviceWith("rr", rs(A, 1), rs(B, 1), rs(C, 1));
        assertEquals("C B A C B A", pick(table.find(VIP), 6));
    }

    @Test
    void deletingTheServerUnderTheCursorResumesAtItsSuccessor() {
        RuleTable table = serviceWith("rr", rs(A, 1), rs(B, 1), rs(C, 1));
        VirtualService vs = table.find(VIP);
        assertEquals("C B", pick(vs, 2));
        apply(table, deleteServer(VIP, B));
        assertEquals("A C A", pick(vs, 3));
    }

    @Test
    void deletingAnotherServerLeavesTheCursorOnItsServer() {
        RuleTable table = serviceWith("rr", rs(A, 1), rs(B, 1), rs(C, 1));
        VirtualService vs = table.find(VIP);
        assertEquals("C B", pick(vs, 2));
        apply(table, deleteServer(VIP, C));
        assertEquals("A B A", pick(vs, 3));
    }

    @Test
    void aServerAddedMidCycleIsReachedWhenTheWalkWraps() {
        RuleTable table = serviceWith("rr", rs(A, 1), rs(B, 1), rs(C, 1));
        VirtualService vs = table.find(VIP);
        assertEquals("C B", pick(vs, 2));
        apply(table, addServer(VIP, rs(D, 1)));
        assertEquals("A D C B A", pick(vs, 5));
    }

    @Test
    void weightZeroAndOverloadedServersAreSkipped() {
        RuleTable table = serviceWith("rr", rs(A, 1), rs(B, 0), thresholds(rs(C, 1), 1, 0));
        VirtualService vs = table.find(VIP);
        vs.dests().get(0).bindConnection(); // C reaches its upper threshold of 1
        assertEquals("A A A", pick(vs, 3));
    }

    @Test
    void noEligibleServerMeansNoDestination() {
        RuleTable table = serviceWith("rr", rs(A, 0));
        assertNull(table.find(VIP).schedule(CLIENT));
    }
}

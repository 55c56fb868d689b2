package dev.jvs.director.sched;

import dev.jvs.director.rules.RuleTable;
import dev.jvs.director.rules.VirtualService;
import org.junit.jupiter.api.Test;

import static dev.jvs.director.rules.Fixtures.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class WeightedRoundRobinSchedulerTest {

    @Test
    void serversAddedOneByOneStartWithALowestWeightPass() {
        RuleTable table = serviceWith("wrr", rs(A, 4), rs(B, 3), rs(C, 2));
        assertEquals("C B A A B A C B A C B A A B A", pick(table.find(VIP), 15));
    }

    @Test
    void schedulerBoundAfterTheServersExistStartsAtTheMaximumWeight() {
        RuleTable table = serviceWith("rr", rs(C, 2), rs(B, 3), rs(A, 4));
        apply(table, editService(VIP, "wrr"));
        assertEquals("A A B A B C A B C A A B A B C A B C", pick(table.find(VIP), 18));
    }

    @Test
    void gcdStepsTheCurrentWeight() {
        RuleTable table = serviceWith("rr", rs(B, 2), rs(A, 4));
        apply(table, editService(VIP, "wrr"));
        assertEquals("A A B A A B", pick(table.find(VIP), 6));
    }

    @Test
    void editingWithTheSameSchedulerNameKeepsItsState() {
        RuleTable table = serviceWith("rr", rs(C, 2), rs(B, 3), rs(A, 4));
        apply(table, editService(VIP, "wrr"));
        VirtualService vs = table.find(VIP);
        assertEquals("A A B", pick(vs, 3));
        apply(table, editService(VIP, "wrr"));
        assertEquals("A B C", pick(vs, 3));
    }

    @Test
    void allWeightsZeroMeansNoDestination() {
        RuleTable table = serviceWith("wrr", rs(A, 0), rs(B, 0));
        assertNull(table.find(VIP).schedule(CLIENT));
    }

    @Test
    void overloadedServersAreSkippedAndAllOverloadedMeansNone() {
        RuleTable table = serviceWith("wrr", thresholds(rs(A, 2), 1, 0), rs(B, 1));
        VirtualService vs = table.find(VIP);
        vs.dests().get(1).bindConnection(); // A overloaded
        assertEquals("B B B", pick(vs, 3));
        vs.dests().get(0).bindConnection(); // B has no threshold
        apply(table, editServer(VIP, thresholds(rs(B, 1), 1, 0)));
        vs.dests().get(0).bindConnection(); // B reaches 1 again → overloaded
        assertNull(vs.schedule(CLIENT));
    }
}

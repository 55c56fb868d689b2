package dev.jvs.director.rules;

import dev.jvs.model.Command;
import dev.jvs.model.Protocol;
import dev.jvs.model.ServiceKey;
import dev.jvs.model.ServiceView;
import dev.jvs.model.Stats;
import dev.jvs.model.TableView;
import dev.jvs.model.Timeouts;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static dev.jvs.director.rules.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

class RuleTableTest {

    private static final ServiceKey OTHER = ServiceKey.of(Protocol.UDP, addr("10.0.0.2"), 53);

    @Test
    void anErrorInTheThirdCommandLeavesTheTableUnchanged() {
        RuleTable table = serviceWith("rr", rs(A, 1));
        List<VirtualService> before = table.services();
        List<Command.RuleChange> batch = List.of(addServer(VIP, rs(B, 1)), addService(OTHER, "wlc"), addServer(VIP, rs(A, 2)),
                set(1, 2, 3));
        BatchException e = assertThrows(BatchException.class, () -> table.apply(batch));
        assertEquals(2, e.index());
        assertEquals("Destination already exists", e.getMessage());
        assertSame(before, table.services());
        assertEquals(1, table.find(VIP).dests().size());
        assertNull(table.find(OTHER));
        assertEquals(Timeouts.KERNEL_DEFAULTS, table.timeouts());
    }

    @Test
    void laterCommandsSeeTheEffectOfEarlierOnesInTheSameBatch() {
        RuleTable table = new RuleTable();
        apply(table, addService(VIP, "rr"), addServer(VIP, rs(A, 1)), deleteServer(VIP, A), addServer(VIP, rs(A, 2)),
                deleteService(VIP), addService(VIP, "wlc"));
        assertEquals(0, table.find(VIP).dests().size());
        BatchException e = assertThrows(BatchException.class,
                () -> table.apply(List.of(deleteService(VIP), addServer(VIP, rs(A, 1)))));
        assertEquals(1, e.index());
        assertEquals("Service not defined", e.getMessage());
    }

    @Test
    void servicesKeepCreationOrderAndServersAreListedNewestFirst() {
        RuleTable table = serviceWith("rr", rs(A, 1), rs(B, 1), rs(C, 1));
        apply(table, addService(OTHER, "wlc"), editServer(VIP, rs(A, 7)));
        assertEquals(List.of(VIP, OTHER), table.services().stream().map(VirtualService::key).toList());
        TableView view = table.view(4096);
        assertEquals(4096, view.connTableSize());
        ServiceView first = view.services().get(0);
        assertEquals(List.of(C, B, A), first.servers().stream().map(s -> s.config().address().getHostAddress())
                .toList());
        assertEquals(7, first.servers().get(2).config().weight());
    }

    @Test
    void editServiceReplacesTheWholeConfig() {
        RuleTable table = serviceWith("rr", rs(A, 1));
        apply(table, editService(VIP, "wlc"));
        assertEquals("wlc", table.find(VIP).config().scheduler());
        assertEquals(1, table.find(VIP).dests().size());
    }

    @Test
    void reAddingADeletedServerBringsBackItsCounters() {
        RuleTable table = serviceWith("rr", rs(A, 1), rs(B, 1));
        VirtualService vs = table.find(VIP);
        Dest a = vs.dests().get(1);
        a.bindConnection();
        a.moveToActive();
        a.bindConnection();
        a.countIn(100);
        apply(table, deleteServer(VIP, A));
        assertFalse(a.available());
        assertEquals(List.of(B), table.find(VIP).dests().stream().map(d -> d.config().address().getHostAddress())
                .toList());
        assertEquals(2, vs.dests().size(), "a published snapshot never changes");
        apply(table, addServer(VIP, rs(A, 5)));
        Dest back = table.find(VIP).dests().get(0);
        assertSame(a, back);
        assertTrue(back.available());
        assertEquals(5, back.weight());
        assertEquals(1, back.activeConns());
        assertEquals(1, back.inactiveConns());
        assertEquals(new Stats(2, 1, 0, 100, 0), back.stats());
    }

    @Test
    void aDeletedServiceLeavesItsServersInTheTrashForTheRecreatedService() {
        RuleTable table = serviceWith("rr", rs(A, 1));
        Dest a = table.find(VIP).dests().get(0);
        a.bindConnection();
        VirtualService old = table.find(VIP);
        apply(table, deleteService(VIP));
        assertTrue(old.removed());
        assertNull(old.schedule(CLIENT));
        apply(table, addService(VIP, "rr"), addServer(VIP, rs(A, 1)));
        Dest back = table.find(VIP).dests().get(0);
        assertSame(a, back);
        assertSame(table.find(VIP), back.service());
        back.countOut(10);
        assertEquals(10, table.find(VIP).stats().outBytes());
    }

    @Test
    void idleTrashIsReclaimedAfterATrashPeriod() {
        AtomicLong now = new AtomicLong(1);
        RuleTable table = new RuleTable(now::get);
        apply(table, addService(VIP, "rr"), addServer(VIP, rs(A, 1)));
        Dest a = table.find(VIP).dests().get(0);
        apply(table, deleteServer(VIP, A));
        assertEquals(1, table.trashSize());
        table.reclaimTrashNow();                       // first sight of it idle
        now.addAndGet(TimeUnit.SECONDS.toNanos(119));
        table.reclaimTrashNow();
        assertEquals(1, table.trashSize());
        now.addAndGet(TimeUnit.SECONDS.toNanos(1));
        table.reclaimTrashNow();
        assertEquals(0, table.trashSize());
        apply(table, addServer(VIP, rs(A, 1)));
        assertNotSame(a, table.find(VIP).dests().get(0));
    }

    @Test
    void busyTrashIsKept() {
        AtomicLong now = new AtomicLong(1);
        RuleTable table = new RuleTable(now::get);
        apply(table, addService(VIP, "rr"), addServer(VIP, rs(A, 1)));
        table.find(VIP).dests().get(0).bindConnection();
        apply(table, deleteServer(VIP, A));
        for (int i = 0; i < 5; i++) {
            now.addAndGet(TimeUnit.SECONDS.toNanos(200));
            table.reclaimTrashNow();
        }
        assertEquals(1, table.trashSize());
    }

    @Test
    void zeroClearsStatsOfOneOrAllServicesButNotConnectionCounters() {
        RuleTable table = serviceWith("rr", rs(A, 1));
        apply(table, addService(OTHER, "rr"), addServer(OTHER, rs(B, 1)));
        Dest a = table.find(VIP).dests().get(0);
        Dest b = table.find(OTHER).dests().get(0);
        a.bindConnection();
        a.countIn(60);
        b.bindConnection();
        b.countOut(70);
        apply(table, zero(VIP));
        assertEquals(Stats.ZERO, a.stats());
        assertEquals(Stats.ZERO, table.find(VIP).stats());
        assertEquals(1, a.inactiveConns());
        assertEquals(new Stats(1, 0, 1, 0, 70), table.find(OTHER).stats());
        apply(table, zero(null));
        assertEquals(Stats.ZERO, b.stats());
        assertEquals(Stats.ZERO, table.find(OTHER).stats());
    }

    @Test
    void setMergesNonZeroTimeouts() {
        RuleTable table = new RuleTable();
        apply(table, set(0, 30, 0));
        assertEquals(new Timeouts(900, 30, 300), table.timeouts());
        apply(table, set(100, 0, 5));
        assertEquals(new Timeouts(100, 30, 5), table.timeouts());
        assertEquals(new Timeouts(100, 30, 5), table.view(4096).timeouts());
    }

    @Test
    void flushRemovesEverything() {
        RuleTable table = serviceWith("rr", rs(A, 1));
        VirtualService vs = table.find(VIP);
        Dest a = vs.dests().get(0);
        apply(table, flush());
        assertTrue(table.services().isEmpty());
        assertTrue(vs.removed());
        assertFalse(a.available());
    }

    @Test
    void aSubscriberGetsTheCurrentTableAtOnceThenEveryNewerOneAndNoFailedBatch() throws Exception {
        RuleTable table = new RuleTable();
        apply(table, addService(VIP, "rr"));
        java.util.concurrent.BlockingQueue<List<VirtualService>> seen = new java.util.concurrent.LinkedBlockingQueue<>();
        Subscription subscription = table.subscribe("test", seen::add);
        try {
            assertEquals(List.of(VIP), keys(seen.poll(5, TimeUnit.SECONDS)), "the current table, at once");
            assertThrows(BatchException.class, () -> table.apply(List.of(addService(VIP, "rr"))));
            apply(table, addService(OTHER, "rr"));
            assertEquals(List.of(VIP, OTHER), keys(seen.poll(5, TimeUnit.SECONDS)));
            assertTrue(seen.isEmpty(), "nothing for the failed batch");
        } finally {
            table.unsubscribe(subscription);
        }
    }

    private static List<ServiceKey> keys(List<VirtualService> services) {
        assertNotNull(services, "a table was delivered");
        return services.stream().map(VirtualService::key).toList();
    }
}

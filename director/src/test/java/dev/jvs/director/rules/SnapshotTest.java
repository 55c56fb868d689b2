package dev.jvs.director.rules;

import dev.jvs.model.Command;
import dev.jvs.model.Protocol;
import dev.jvs.model.ServiceKey;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static dev.jvs.director.rules.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

/** Readers of the rule table see whole batches, and an identical restore breaks nothing. */
class SnapshotTest {

    private static final ServiceKey OTHER = ServiceKey.of(Protocol.TCP, addr("10.0.0.2"), 80);

    @Test
    void aServerMovedBetweenServicesIsSeenInExactlyOneOfThemByEveryReader() throws Exception {
        RuleTable table = new RuleTable();
        apply(table, addService(VIP, "rr"), addService(OTHER, "rr"), addServer(VIP, rs(A, 1)),
                addServer(VIP, rs(B, 1)), addServer(OTHER, rs(C, 1)));
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<String> violation = new AtomicReference<>();
        AtomicLong looks = new AtomicLong();
        Thread reader = new Thread(() -> {
            while (!done.get() && violation.get() == null) {
                List<VirtualService> services = table.services();
                int seen = 0;
                int total = 0;
                for (VirtualService vs : services) {
                    for (Dest d : vs.dests()) {
                        total++;
                        if (d.config().address().getHostAddress().equals(B)) seen++;
                    }
                }
                if (services.size() != 2 || seen != 1 || total != 3) {
                    violation.set("services " + services.size() + ", B seen " + seen + " times, " + total + " servers");
                }
                looks.incrementAndGet();
            }
        }, "snapshot-reader");
        reader.start();
        for (int i = 0; i < 10_000 && violation.get() == null; i++) {
            ServiceKey from = i % 2 == 0 ? VIP : OTHER;
            ServiceKey to = i % 2 == 0 ? OTHER : VIP;
            apply(table, deleteServer(from, B), editServer(from, rs(i % 2 == 0 ? A : C, 1 + i % 5)),
                    addServer(to, rs(B, 1)));
        }
        done.set(true);
        reader.join();
        assertNull(violation.get());
        assertTrue(looks.get() > 0, "the reader ran");
        assertEquals(10_001, table.version());
    }

    @Test
    void anIdenticalRestoreNeverShowsAnEmptyTableNorLosesADecisionOrACounter() throws Exception {
        RuleTable table = new RuleTable();
        List<Command.RuleChange> restore = new ArrayList<>();
        restore.add(flush());
        restore.add(addService(VIP, "rr"));
        restore.add(addServer(VIP, rs(A, 1)));
        restore.add(addServer(VIP, rs(B, 1)));
        apply(table, restore.subList(1, restore.size()).toArray(Command.RuleChange[]::new));
        Dest a = table.find(VIP).findDest(rs(A, 1));
        a.bindConnection();
        a.moveToActive();

        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<String> failure = new AtomicReference<>();
        AtomicLong decisions = new AtomicLong();
        Thread dataPath = new Thread(() -> {
            while (!done.get() && failure.get() == null) {
                VirtualService vs = table.find(VIP); // looked up, then scheduled, as a NAT accept does
                if (vs == null) {
                    failure.set("the service was missing");
                } else if (vs.schedule(CLIENT) == null) {
                    failure.set("a decision found no real server");
                } else {
                    decisions.incrementAndGet();
                }
            }
        }, "data-path");
        dataPath.start();
        for (int i = 0; i < 2_000 && failure.get() == null; i++) {
            apply(table, restore.toArray(Command.RuleChange[]::new));
        }
        done.set(true);
        dataPath.join();
        assertNull(failure.get());
        assertTrue(decisions.get() > 0, "the data path ran");
        Dest after = table.find(VIP).findDest(rs(A, 1));
        assertSame(a, after, "the trash gave the same destination back");
        assertTrue(after.available());
        assertEquals(1, after.activeConns());
        assertEquals(1, after.stats().conns());
    }
}

package dev.jvs.director.rules;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static dev.jvs.director.rules.DestArray.ACTIVE;
import static dev.jvs.director.rules.DestArray.OVERHEAD;
import static dev.jvs.director.rules.DestArray.STRIDE;
import static dev.jvs.director.rules.DestArray.USABLE_WEIGHT;
import static dev.jvs.director.rules.DestArray.WEIGHT;
import static dev.jvs.director.rules.Fixtures.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DestArrayTest {

    /** The flat array lists the service's servers in kernel order with exactly each Dest's numbers. */
    private static void assertMirrors(VirtualService vs) {
        DestArray array = vs.array();
        List<Dest> dests = vs.dests();
        assertEquals(dests.size(), array.size());
        long[] c = array.cells();
        assertEquals(dests.size() * STRIDE, c.length);
        for (int i = 0; i < dests.size(); i++) {
            Dest d = dests.get(i);
            int p = i * STRIDE;
            assertSame(d, array.dest(i));
            String who = name(d) + " at " + i;
            assertEquals(d.overloaded() ? 0 : d.weight(), c[p + USABLE_WEIGHT], who + ": usable weight");
            assertEquals(d.overhead(), c[p + OVERHEAD], who + ": overhead");
            assertEquals(d.activeConns(), c[p + ACTIVE], who + ": active");
            assertEquals(d.weight(), c[p + WEIGHT], who + ": weight");
        }
    }

    @Test
    void followsTheListOrderAndEveryCounterMove() {
        RuleTable table = serviceWith("wlc", rs(A, 1), rs(B, 2), thresholds(rs(C, 3), 2, 0));
        VirtualService vs = table.find(VIP);
        assertEquals("C B A", names(vs));
        Dest c = vs.dests().get(0);
        Dest b = vs.dests().get(1);
        assertMirrors(vs);

        b.bindConnection();
        b.moveToActive();
        b.bindConnection();
        assertMirrors(vs);
        assertEquals(257, vs.array().cells()[STRIDE + OVERHEAD]);

        c.bindConnection();
        c.bindConnection(); // reaches its upper threshold 2: usable weight 0
        assertTrue(c.overloaded());
        assertMirrors(vs);
        c.unbind(false);    // 1 < 3/4 of 2: usable again
        assertMirrors(vs);

        apply(table, editServer(VIP, rs(B, 7)));
        vs = table.find(VIP); // each batch publishes a new snapshot of the service
        assertMirrors(vs);

        apply(table, deleteServer(VIP, B));
        vs = table.find(VIP); // each batch publishes a new snapshot of the service
        assertEquals("C A", names(vs));
        assertMirrors(vs);
        b.moveToInactive(); // a connection of the deleted server moves on while it waits in the trash
        b.unbind(false);
        assertMirrors(vs);

        apply(table, addServer(VIP, rs(B, 2))); // back from the trash, at the head, with its one connection
        vs = table.find(VIP); // each batch publishes a new snapshot of the service
        assertEquals("B C A", names(vs));
        assertSame(b, vs.dests().get(0));
        assertMirrors(vs);
        assertEquals(1, vs.array().cells()[OVERHEAD]);

        apply(table, deleteService(VIP));
        assertEquals(0, vs.array().size());
        b.unbind(false); // the service is gone: nothing to mirror into, nothing breaks
        assertNull(vs.schedule(CLIENT));
    }

    @Test
    void concurrentCounterMovesEndMirroredWhileTheListChanges() throws Exception {
        RuleTable table = serviceWith("wlc", rs(A, 1), rs(B, 2), rs(C, 3), thresholds(rs(D, 4), 40, 10));
        VirtualService vs = table.find(VIP);
        List<Dest> all = new ArrayList<>(vs.dests());
        int threads = 4;
        CountDownLatch start = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(threads);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int t = 0; t < threads; t++) {
            long seed = t;
            Thread worker = new Thread(() -> {
                try {
                    start.await();
                    churn(all, new SplittableRandom(seed));
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                } finally {
                    done.countDown();
                }
            }, "dest-array-churn-" + t);
            worker.start();
        }
        start.countDown();
        // Meanwhile the rule table rebuilds the array again and again: delete/re-add, weight edits.
        SplittableRandom random = new SplittableRandom(99);
        while (done.getCount() > 0) {
            apply(table, deleteServer(VIP, B));
            apply(table, addServer(VIP, rs(B, 1 + random.nextInt(5))));
            apply(table, editServer(VIP, rs(A, random.nextInt(3))));
        }
        assertTrue(done.await(30, TimeUnit.SECONDS));
        assertNull(failure.get());
        assertMirrors(table.find(VIP));
        for (Dest d : all) {
            assertEquals(0, d.activeConns() + d.inactiveConns(), name(d) + " drained");
        }
    }

    /** Opens and closes connections on random servers, moving them between active and inactive. */
    private static void churn(List<Dest> dests, SplittableRandom random) {
        int n = dests.size();
        int[] open = new int[n];
        boolean[][] active = new boolean[n][64];
        for (int i = 0; i < 200_000; i++) {
            int s = random.nextInt(n);
            Dest d = dests.get(s);
            int k = random.nextInt(64);
            if (k >= open[s]) {
                if (open[s] < 64) {
                    d.bindConnection();
                    active[s][open[s]++] = false;
                }
            } else if (random.nextInt(3) == 0) {
                d.unbind(active[s][k]);
                active[s][k] = active[s][--open[s]];
            } else if (active[s][k]) {
                d.moveToInactive();
                active[s][k] = false;
            } else {
                d.moveToActive();
                active[s][k] = true;
            }
        }
        for (int s = 0; s < n; s++) {
            while (open[s] > 0) {
                dests.get(s).unbind(active[s][--open[s]]);
            }
        }
    }

    private static String names(VirtualService vs) {
        StringBuilder sb = new StringBuilder();
        for (Dest d : vs.dests()) {
            sb.append(sb.length() == 0 ? "" : " ").append(name(d));
        }
        return sb.toString();
    }
}

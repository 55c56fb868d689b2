package dev.jvs.director.sched;

import dev.jvs.director.rules.Dest;
import dev.jvs.director.rules.RuleTable;
import dev.jvs.director.rules.VirtualService;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

import static dev.jvs.director.rules.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

/** sed, nq, fo, ovf and twos against sequences derived by hand from the kernel's rules. */
class SequenceSchedulersTest {

    private static void active(Dest d, int n) {
        for (int i = 0; i < n; i++) {
            d.bindConnection();
            d.moveToActive();
        }
    }

    @Test
    void sedWorkedExampleIgnoresInactiveConnections() {
        RuleTable table = serviceWith("sed", rs(B, 2), rs(A, 1));  // list A:1 B:2
        VirtualService vs = table.find(VIP);
        for (int i = 0; i < 50; i++) {
            vs.dests().get(0).bindConnection();  // inactive on A: no effect on sed
        }
        assertEquals("B A B B A", pick(vs, 5, true, true));
    }

    @Test
    void sedWeightZeroCannotWinAndOverloadedIsSkipped() {
        RuleTable table = serviceWith("sed", rs(A, 1), rs(B, 0), thresholds(rs(C, 1), 1, 0));  // list C B A
        VirtualService vs = table.find(VIP);
        assertEquals("C", pick(vs, 1, true, true));  // C reaches its threshold
        assertEquals("A A A", pick(vs, 3, true, true));
    }

    @Test
    void nqWorkedExampleTakesIdleServersFirst() {
        RuleTable table = serviceWith("nq", rs(C, 1), rs(B, 2), rs(A, 1));  // list A:1 B:2 C:1
        assertEquals("A B C B B A", pick(table.find(VIP), 6, true, true));
    }

    @Test
    void nqWeightChangeMidStream() {
        RuleTable table = serviceWith("nq", rs(B, 1), rs(A, 1));  // list A B
        VirtualService vs = table.find(VIP);
        assertEquals("A B A B", pick(vs, 4, true, true));
        apply(table, editServer(VIP, rs(A, 0)));
        assertEquals("B B", pick(vs, 2, true, true));
        apply(table, editServer(VIP, rs(A, 4)));
        // A: (2+1)/4 vs B: (4+1)/1 → A until A's cost reaches B's
        assertEquals("A A A A", pick(vs, 4, true, true));
    }

    @Test
    void foSendsEverythingToTheHeaviestServerTiesToTheFirst() {
        RuleTable table = serviceWith("fo", rs(A, 1), rs(B, 3), thresholds(rs(C, 3), 2, 0));  // list C B A
        VirtualService vs = table.find(VIP);
        assertEquals("C C", pick(vs, 2, true, true));  // C is overloaded by its 2nd connection
        assertEquals("B B B", pick(vs, 3, true, true));
        apply(table, editServer(VIP, rs(B, 0)));
        assertEquals("A", pick(vs, 1));
        apply(table, deleteServer(VIP, A));
        assertNull(vs.schedule(CLIENT));
    }

    @Test
    void ovfFillsTheHeaviestServerUpToWeightPlusOne() {
        RuleTable table = serviceWith("ovf", rs(B, 1), rs(A, 2));  // list A:2 B:1
        VirtualService vs = table.find(VIP);
        assertEquals("A A A B B - -", pick(vs, 7, true, true));
    }

    @Test
    void ovfTiesGoToTheFirstAndInactiveDoNotCount() {
        RuleTable table = serviceWith("ovf", rs(A, 1), rs(B, 1));  // list B A
        VirtualService vs = table.find(VIP);
        for (int i = 0; i < 10; i++) {
            vs.dests().get(0).bindConnection();
        }
        assertEquals("B B A A -", pick(vs, 5, true, true));
    }

    // ---------------------------------------------------------------- twos

    private static RuleTable seeded(long seed, String... addedWeights) {
        RuleTable table = new RuleTable(System::nanoTime, new Schedulers(System::nanoTime, OptionalLong.of(seed)));
        apply(table, addService(VIP, "twos"));
        return table;
    }

    @Test
    void twosFollowsTheKernelRuleForAKnownRandomStream() {
        long seed = 7;
        RuleTable table = seeded(seed);
        apply(table, addServer(VIP, rs(A, 3)), addServer(VIP, rs(B, 1)), addServer(VIP, rs(C, 0)),
                addServer(VIP, rs(D, 2)));  // list D:2 C:0 B:1 A:3
        VirtualService vs = table.find(VIP);
        SplittableRandom mirror = new SplittableRandom(seed);
        for (int round = 0; round < 200; round++) {
            List<Dest> list = vs.dests();
            long total = 6;
            long r1 = (mirror.nextInt() & 0xffffffffL) % (total + 1);
            long r2 = (mirror.nextInt() & 0xffffffffL) % (total + 1);
            Dest c1 = pickByDraw(list, r1);
            Dest c2 = pickByDraw(list, r2);
            Dest expected = c2.weight() * c1.overhead() > c1.weight() * c2.overhead() ? c2 : c1;
            Dest actual = vs.schedule(CLIENT);
            assertSame(expected, actual, "round " + round);
            actual.bindConnection();
            if (round % 3 == 0) {
                actual.moveToActive();
            }
        }
    }

    /** Walks the eligible servers subtracting weights; the first that brings the draw to 0 or below. */
    private static Dest pickByDraw(List<Dest> list, long draw) {
        for (Dest d : list) {
            if (d.weight() <= 0 || d.overloaded()) {
                continue;
            }
            draw -= d.weight();
            if (draw <= 0) {
                return d;
            }
        }
        throw new AssertionError("draw beyond total");
    }

    @Test
    void twosIsReproducibleUnderAFixedSeed() {
        RuleTable one = seeded(99);
        RuleTable two = seeded(99);
        for (RuleTable t : List.of(one, two)) {
            apply(t, addServer(VIP, rs(A, 1)), addServer(VIP, rs(B, 2)), addServer(VIP, rs(C, 3)));
        }
        String first = pick(one.find(VIP), 100, true, true);
        assertEquals(first, pick(two.find(VIP), 100, true, true));
    }

    @Test
    void twosSkipsWeightZeroAndOverloaded() {
        RuleTable table = seeded(1);
        apply(table, addServer(VIP, rs(A, 1)), addServer(VIP, rs(B, 0)), addServer(VIP, thresholds(rs(C, 5), 1, 0)));
        VirtualService vs = table.find(VIP);
        vs.dests().get(0).bindConnection();  // C overloaded
        for (int i = 0; i < 50; i++) {
            assertEquals("A", pick(vs, 1, true, false));
        }
        apply(table, editServer(VIP, rs(A, 0)));
        assertNull(vs.schedule(CLIENT));
    }

    // ---------------------------------------------------------------- registry

    @Test
    void registryKnowsAllFourteenSchedulers() {
        for (String name : List.of("rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf",
                "mh", "twos")) {
            Scheduler s = Schedulers.create(name);
            assertEquals(name, s.name());
            assertNotSame(s, Schedulers.create(name));
        }
        assertEquals(14, Schedulers.names().size());
    }

    // ---------------------------------------------------------------- lblc / lblcr

    private static final long MINUTE = 60_000_000_000L;

    private static RuleTable clocked(AtomicLong now, String scheduler, String... addedInOrder) {
        RuleTable table = new RuleTable(now::get);
        apply(table, addService(VIP, scheduler));
        for (String a : addedInOrder) {
            apply(table, addServer(VIP, rs(a, 1)));
        }
        return table;
    }

    @Test
    void lblcKeepsTheCachedServerUntilItIsOverloadedInLblcsSense() {
        AtomicLong now = new AtomicLong(1);
        RuleTable table = clocked(now, "lblc", B, A);  // list A B
        VirtualService vs = table.find(VIP);
        Dest a = vs.dests().get(0);
        assertEquals("A", pick(vs, 1));
        for (int i = 0; i < 5; i++) {
            a.bindConnection();  // inactive load: wlc would now pick B, the cache still says A
        }
        assertEquals("A", pick(vs, 1));
        active(a, 2);  // A: 2 active > weight 1, and B (0 active) is under half its weight
        assertEquals("B", pick(vs, 1));
        assertEquals("B", pick(vs, 1));
    }

    @Test
    void lblcIgnoresTheOverloadFlagForTheCachedServer() {
        AtomicLong now = new AtomicLong(1);
        RuleTable table = new RuleTable(now::get);
        apply(table, addService(VIP, "lblc"), addServer(VIP, rs(B, 1)), addServer(VIP, thresholds(rs(A, 1), 1, 0)));
        VirtualService vs = table.find(VIP);
        assertEquals("A", pick(vs, 1));
        vs.dests().get(0).bindConnection();
        assertTrue(vs.dests().get(0).overloaded());
        assertEquals("A", pick(vs, 1));  // cached and not lblc-overloaded (0 active)
        apply(table, editServer(VIP, thresholds(rs(A, 0), 1, 0)));
        assertEquals("B", pick(vs, 1));  // weight 0 abandons the cached server
    }

    @Test
    void lblcEntriesExpireAtTheFirstFullPassAfter24HoursIdle() {
        AtomicLong now = new AtomicLong(1);
        RuleTable table = clocked(now, "lblc", B, A);  // bound at t = 1 ns: GC ticks at 1 ns + k minutes
        VirtualService vs = table.find(VIP);
        now.set(10 * MINUTE);
        assertEquals("A", pick(vs, 1));  // cached, last used at 10 min
        for (int i = 0; i < 5; i++) {
            vs.dests().get(0).bindConnection();  // wlc alone would now pick B
        }
        // the full pass of tick 1440 (24 h) finds it idle for only 23 h 50 min
        now.set(24 * 60 * MINUTE + 20 * MINUTE);
        assertEquals("A", pick(vs, 1));  // and this use refreshes it
        // full passes every 30 ticks: the one at 48 h 30 min sees 24 h 10 min of idleness
        now.set(48 * 60 * MINUTE + 29 * MINUTE);
        assertEquals("A", pick(vs, 1));
        now.set(2 * 48 * 60 * MINUTE);
        assertEquals("B", pick(vs, 1));
    }

    @Test
    void lblcrGrowsTheSetOnlyWhenTheBestMemberIsOverloadedAndShrinksAfterExpiration() {
        AtomicLong now = new AtomicLong(1);
        RuleTable table = clocked(now, "lblcr", B, A);  // list A B
        VirtualService vs = table.find(VIP);
        Dest a = vs.dests().get(0);
        Dest b = vs.dests().get(1);
        assertEquals("A", pick(vs, 1));
        active(a, 2);  // lblc-overloaded → wlc over all → B joins the set
        assertEquals("B", pick(vs, 1));
        assertEquals(2, setSize(vs));
        assertEquals("B", pick(vs, 1));  // set_min: B is less loaded
        // nothing changes the set for 24 h; keep the entry in use so GC leaves it
        for (int h = 1; h <= 24; h++) {
            now.set(h * 60 * MINUTE);
            pick(vs, 1);
        }
        assertEquals(2, setSize(vs));
        now.set(24 * 60 * MINUTE + 2);  // strictly after lastmod + 24 h: the most loaded (A) is dropped
        assertEquals("B", pick(vs, 1));
        assertEquals(1, setSize(vs));
        assertEquals(0, b.activeConns());
    }

    @Test
    void lblcrMayDropTheServerItReturns() {
        AtomicLong now = new AtomicLong(1);
        RuleTable table = clocked(now, "lblcr", B, A);  // list A B
        VirtualService vs = table.find(VIP);
        Dest a = vs.dests().get(0);
        Dest b = vs.dests().get(1);
        assertEquals("A", pick(vs, 1));
        active(a, 2);
        assertEquals("B", pick(vs, 1));  // set {B, A}
        // B carries more inactive load than A: set_min = A by overhead? A 512, B 513 → A; set_max = B
        for (int i = 0; i < 513; i++) {
            b.bindConnection();
        }
        now.set(24 * 60 * MINUTE + 2);
        // set_min picks A (512 < 513), B is erased; A is lblc-overloaded (2 > 1, B has 0 active) → wlc → A again
        assertEquals("A", pick(vs, 1));
        assertEquals(1, setSize(vs));
    }

    private static int setSize(VirtualService vs) {
        return vs.inspectScheduler(s -> ((LocalityReplicatedScheduler) s).setSize(VIP.address()));
    }
}

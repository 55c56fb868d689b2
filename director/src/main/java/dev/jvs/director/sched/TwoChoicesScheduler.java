package dev.jvs.director.sched;

import dev.jvs.director.rules.Dest;

import java.util.List;
import java.util.SplittableRandom;

/**
 * twos, power of two choices: two servers are drawn by weight, each from a uniform number in 0..total
 * (inclusive, as the kernel's {@code random % (total + 1)}), and the less loaded per weight wins; ties keep
 * the first draw. The kernel draws from its PRNG; here the generator can be seeded to replay a run.
 */
final class TwoChoicesScheduler implements Scheduler {

    static final String NAME = "twos";

    private final SplittableRandom random;

    TwoChoicesScheduler(SplittableRandom random) {
        this.random = random;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Dest schedule(ScheduleContext ctx) {
        List<Dest> dests = ctx.dests();
        int n = dests.size();
        long total = 0;
        for (int i = 0; i < n; i++) {
            Dest d = dests.get(i);
            if (eligible(d)) {
                total += d.weight();
            }
        }
        if (total == 0) {
            return null;
        }
        long draw1 = nextUnsigned() % (total + 1);
        long draw2 = nextUnsigned() % (total + 1);
        Dest choice1 = null;
        Dest choice2 = null;
        for (int i = 0; i < n && (choice1 == null || choice2 == null); i++) {
            Dest d = dests.get(i);
            if (!eligible(d)) {
                continue;
            }
            int weight = d.weight();
            draw1 -= weight;
            draw2 -= weight;
            if (draw1 <= 0 && choice1 == null) {
                choice1 = d;
            }
            if (draw2 <= 0 && choice2 == null) {
                choice2 = d;
            }
        }
        if (choice1 == null || choice2 == null) {
            // an overload flag flipped between the two walks (connections move it from other threads)
            return choice1 != null ? choice1 : choice2;
        }
        if ((long) choice2.weight() * choice1.overhead() > (long) choice1.weight() * choice2.overhead()) {
            return choice2;
        }
        return choice1;
    }

    private static boolean eligible(Dest d) {
        return !d.overloaded() && d.weight() > 0;
    }

    /** A uniform unsigned 32-bit draw, like get_random_u32(). */
    private long nextUnsigned() {
        return random.nextInt() & 0xffffffffL;
    }
}

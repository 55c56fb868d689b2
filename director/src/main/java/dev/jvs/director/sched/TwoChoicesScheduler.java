package dev.jvs.director.sched;

import dev.jvs.director.rules.Dest;
import dev.jvs.director.rules.DestArray;

import java.util.SplittableRandom;

import static dev.jvs.director.rules.DestArray.OVERHEAD;
import static dev.jvs.director.rules.DestArray.STRIDE;
import static dev.jvs.director.rules.DestArray.USABLE_WEIGHT;

/**
 * twos, power of two choices: two servers are drawn by weight, each from a uniform number in 0..total
 * (inclusive, as the kernel's {@code random % (total + 1)}), and the less loaded per weight wins; ties keep
 * the first draw. The kernel draws from its PRNG; here the generator can be seeded to replay a run.
 */
final class TwoChoicesScheduler implements Scheduler {

    static final String NAME = "twos";

    private final SplittableRandom random;
    /** Running sums of the usable weights of {@link #summed}, valid while its weights have not changed. */
    private long[] sums = new long[8];
    private DestArray summed;
    private int summedChanges;

    TwoChoicesScheduler(SplittableRandom random) {
        this.random = random;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Dest schedule(ScheduleContext ctx) {
        DestArray array = ctx.array();
        long[] c = array.cells();
        if (array != summed || array.usableWeightChanges() != summedChanges) {
            sumWeights(array);
        }
        int n = array.size();
        long total = n == 0 ? 0 : sums[n - 1];
        if (total == 0) {
            return null;
        }
        int choice1 = firstReaching(nextUnsigned() % (total + 1), n);
        int choice2 = firstReaching(nextUnsigned() % (total + 1), n);
        int p1 = choice1 * STRIDE;
        int p2 = choice2 * STRIDE;
        long weight1 = c[p1 + USABLE_WEIGHT];
        long weight2 = c[p2 + USABLE_WEIGHT];
        if (weight2 * c[p1 + OVERHEAD] > weight1 * c[p2 + OVERHEAD]) {
            return array.dest(choice2);
        }
        return array.dest(choice1);
    }

    /** Running sums of the usable weights in list order, so a draw finds its server by binary search. */
    private void sumWeights(DestArray array) {
        int changes = array.usableWeightChanges(); // before the weights: a later change is seen next time
        int n = array.size();
        if (sums.length < n) {
            sums = new long[Math.max(n, 2 * sums.length)];
        }
        long[] c = array.cells();
        long sum = 0;
        for (int i = 0; i < n; i++) {
            sum += c[i * STRIDE + USABLE_WEIGHT];
            sums[i] = sum;
        }
        summed = array;
        summedChanges = changes;
    }

    /**
     * The server the kernel's walk stops at: it subtracts each usable weight from the draw and takes the first
     * server that brings it to 0 or below, i.e. the first whose running sum reaches the draw (at least 1, so a
     * draw of 0 takes the first usable server, not a weight-0 one before it).
     */
    private int firstReaching(long draw, int n) {
        long target = Math.max(draw, 1);
        // Binary search with a fixed number of steps and a select instead of a branch: the draws are random, so
        // a branching search would mispredict at every other step.
        int base = 0;
        for (int len = n; len > 1; ) {
            int half = len >>> 1;
            base = sums[base + half] < target ? base + half : base;
            len -= half;
        }
        return sums[base] < target ? base + 1 : base;
    }

    /** A uniform unsigned 32-bit draw, like get_random_u32(). */
    private long nextUnsigned() {
        return random.nextInt() & 0xffffffffL;
    }
}

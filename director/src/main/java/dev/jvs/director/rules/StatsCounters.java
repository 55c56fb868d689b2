package dev.jvs.director.rules;

import dev.jvs.model.Rates;
import dev.jvs.model.Stats;

import java.util.concurrent.atomic.LongAdder;

/**
 * Cumulative traffic counters (LongAdders, so that many I/O threads count without contending) and the rate
 * estimator IPVS keeps beside them: sampled every 2 s, smoothed with weight 1/4, connection and packet rates
 * scaled by 2^10 and byte rates by 2^5 while stored, rounded when read (ipvs-schedulers.md §5).
 */
final class StatsCounters {

    /** The kernel's sampling period. */
    static final long ESTIMATION_PERIOD_SECONDS = 2;

    final LongAdder conns = new LongAdder();
    final LongAdder inPkts = new LongAdder();
    final LongAdder outPkts = new LongAdder();
    final LongAdder inBytes = new LongAdder();
    final LongAdder outBytes = new LongAdder();

    void countIn(long bytes) {
        inPkts.increment();
        inBytes.add(bytes);
    }

    void countOut(long bytes) {
        outPkts.increment();
        outBytes.add(bytes);
    }

    // Estimator state, guarded by this: touched every 2 s and on -Z only.
    private final long[] last = new long[5];
    private final long[] average = new long[5];

    /** One 2-second sample: per-second rates from the deltas, folded into the moving averages. */
    synchronized void estimate() {
        long[] now = {conns.sum(), inPkts.sum(), outPkts.sum(), inBytes.sum(), outBytes.sum()};
        for (int i = 0; i < now.length; i++) {
            // counts and packets: ×1024 per second over 2 s = << 9; bytes: ×32 per second over 2 s = << 4
            long rate = (now[i] - last[i]) << (i < 3 ? 9 : 4);
            average[i] += (rate - average[i]) >> 2;
            last[i] = now[i];
        }
    }

    synchronized Rates rates() {
        return new Rates((average[0] + 0x1FF) >> 10, (average[1] + 0x1FF) >> 10, (average[2] + 0x1FF) >> 10,
                (average[3] + 0xF) >> 5, (average[4] + 0xF) >> 5);
    }

    Stats snapshot() {
        return new Stats(conns.sum(), inPkts.sum(), outPkts.sum(), inBytes.sum(), outBytes.sum());
    }

    /** Not atomic against concurrent counting, as with the kernel's per-CPU counters. Rates restart from 0. */
    synchronized void reset() {
        conns.reset();
        inPkts.reset();
        outPkts.reset();
        inBytes.reset();
        outBytes.reset();
        java.util.Arrays.fill(last, 0);
        java.util.Arrays.fill(average, 0);
    }
}

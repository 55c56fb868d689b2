package dev.jvs.director.rules;

import dev.jvs.model.Stats;

import java.util.concurrent.atomic.LongAdder;

/** Cumulative traffic counters; LongAdders so that many I/O threads can count without contending. */
final class StatsCounters {

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

    Stats snapshot() {
        return new Stats(conns.sum(), inPkts.sum(), outPkts.sum(), inBytes.sum(), outBytes.sum());
    }

    /** Not atomic against concurrent counting, as with the kernel's per-CPU counters. */
    void reset() {
        conns.reset();
        inPkts.reset();
        outPkts.reset();
        inBytes.reset();
        outBytes.reset();
    }
}

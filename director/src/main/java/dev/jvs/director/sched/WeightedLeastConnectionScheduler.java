package dev.jvs.director.sched;

import dev.jvs.director.rules.Dest;
import dev.jvs.director.rules.DestArray;

import static dev.jvs.director.rules.DestArray.OVERHEAD;
import static dev.jvs.director.rules.DestArray.STRIDE;
import static dev.jvs.director.rules.DestArray.USABLE_WEIGHT;

/**
 * wlc: the smallest overhead/weight wins, compared by cross-multiplying in 64 bits. Only the first candidate
 * needs a positive weight; a later weight-0 server can never win the strict comparison, and neither can an
 * overloaded one, whose usable weight is 0.
 */
final class WeightedLeastConnectionScheduler implements Scheduler {

    static final String NAME = "wlc";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Dest schedule(ScheduleContext ctx) {
        return leastLoaded(ctx.array());
    }

    /** The wlc rule over a whole list; lblc and lblcr fall back to it. */
    static Dest leastLoaded(DestArray array) {
        long[] c = array.cells();
        int p = 0;
        while (p < c.length && c[p + USABLE_WEIGHT] <= 0) {
            p += STRIDE;
        }
        if (p >= c.length) {
            return null;
        }
        int least = p;
        long leastOverhead = c[p + OVERHEAD];
        long leastWeight = c[p + USABLE_WEIGHT];
        for (p += STRIDE; p < c.length; p += STRIDE) {
            long overhead = c[p + OVERHEAD];
            long weight = c[p + USABLE_WEIGHT];
            if (leastOverhead * weight > overhead * leastWeight) {
                least = p;
                leastOverhead = overhead;
                leastWeight = weight;
            }
        }
        return array.dest(least / STRIDE);
    }
}

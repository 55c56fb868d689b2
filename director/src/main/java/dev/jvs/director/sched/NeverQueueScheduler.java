package dev.jvs.director.sched;

import dev.jvs.director.rules.Dest;
import dev.jvs.director.rules.DestArray;

import static dev.jvs.director.rules.DestArray.ACTIVE;
import static dev.jvs.director.rules.DestArray.STRIDE;
import static dev.jvs.director.rules.DestArray.USABLE_WEIGHT;

/**
 * nq: the first idle server (no active connection) in list order wins outright; otherwise sed's rule,
 * (active + 1) / weight, with ties kept by the earlier server. Overloaded and weight-0 servers are skipped.
 */
final class NeverQueueScheduler implements Scheduler {

    static final String NAME = "nq";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Dest schedule(ScheduleContext ctx) {
        DestArray array = ctx.array();
        long[] c = array.cells();
        int p = 0;
        while (p < c.length && c[p + USABLE_WEIGHT] <= 0) {
            p += STRIDE;
        }
        if (p >= c.length) {
            return null;
        }
        int least = p;
        long leastCost = c[p + ACTIVE] + 1;
        long leastWeight = c[p + USABLE_WEIGHT];
        if (leastCost == 1) {
            return array.dest(p / STRIDE);
        }
        for (p += STRIDE; p < c.length; p += STRIDE) {
            long weight = c[p + USABLE_WEIGHT];
            long cost = c[p + ACTIVE] + 1;
            if (cost == 1 && weight != 0) {
                return array.dest(p / STRIDE); // idle: wins outright
            }
            // a weight-0 or overloaded server (usable weight 0) never wins the strict comparison
            if (leastCost * weight > cost * leastWeight) {
                least = p;
                leastCost = cost;
                leastWeight = weight;
            }
        }
        return array.dest(least / STRIDE);
    }
}

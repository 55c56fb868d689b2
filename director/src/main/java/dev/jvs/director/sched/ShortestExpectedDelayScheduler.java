package dev.jvs.director.sched;

import dev.jvs.director.rules.Dest;
import dev.jvs.director.rules.DestArray;

import static dev.jvs.director.rules.DestArray.ACTIVE;
import static dev.jvs.director.rules.DestArray.STRIDE;
import static dev.jvs.director.rules.DestArray.USABLE_WEIGHT;

/**
 * sed: wlc's procedure with the expected delay (active + 1) / weight as the cost; inactive connections do not
 * count. The first non-overloaded server with a positive weight seeds the search; later weight-0 or overloaded
 * servers (usable weight 0) can never win the strict cross-multiplied comparison.
 */
final class ShortestExpectedDelayScheduler implements Scheduler {

    static final String NAME = "sed";

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
        for (p += STRIDE; p < c.length; p += STRIDE) {
            long cost = c[p + ACTIVE] + 1;
            long weight = c[p + USABLE_WEIGHT];
            if (leastCost * weight > cost * leastWeight) {
                least = p;
                leastCost = cost;
                leastWeight = weight;
            }
        }
        return array.dest(least / STRIDE);
    }
}

package dev.jvs.director.sched;

import dev.jvs.director.rules.Dest;
import dev.jvs.director.rules.DestArray;

import static dev.jvs.director.rules.DestArray.STRIDE;
import static dev.jvs.director.rules.DestArray.USABLE_WEIGHT;

/** fo: the non-overloaded server with the highest weight; ties keep the earlier one; loads are ignored. */
final class WeightedFailoverScheduler implements Scheduler {

    static final String NAME = "fo";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Dest schedule(ScheduleContext ctx) {
        DestArray array = ctx.array();
        long[] c = array.cells();
        int highest = -1;
        long highestWeight = 0; // so a winner needs a positive weight
        for (int p = 0; p < c.length; p += STRIDE) {
            long weight = c[p + USABLE_WEIGHT];
            if (weight > highestWeight) {
                highest = p;
                highestWeight = weight;
            }
        }
        return highest < 0 ? null : array.dest(highest / STRIDE);
    }
}

package dev.jvs.director.sched;

import dev.jvs.director.rules.Dest;
import dev.jvs.director.rules.DestArray;

import static dev.jvs.director.rules.DestArray.ACTIVE;
import static dev.jvs.director.rules.DestArray.STRIDE;
import static dev.jvs.director.rules.DestArray.USABLE_WEIGHT;

/**
 * ovf: the highest-weight server that still has room, ties to the earlier one. A server has room while its
 * active connections do not exceed its weight (so it takes up to weight + 1); inactive ones are ignored.
 */
final class OverflowScheduler implements Scheduler {

    static final String NAME = "ovf";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Dest schedule(ScheduleContext ctx) {
        DestArray array = ctx.array();
        long[] c = array.cells();
        int highest = -1;
        long highestWeight = 0; // a winner needs a positive weight (0 also stands for overloaded)
        for (int p = 0; p < c.length; p += STRIDE) {
            long weight = c[p + USABLE_WEIGHT];
            if (weight > highestWeight && c[p + ACTIVE] <= weight) {
                highest = p;
                highestWeight = weight;
            }
        }
        return highest < 0 ? null : array.dest(highest / STRIDE);
    }
}

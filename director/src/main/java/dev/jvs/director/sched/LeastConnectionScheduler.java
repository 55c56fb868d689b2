package dev.jvs.director.sched;

import dev.jvs.director.rules.Dest;
import dev.jvs.director.rules.DestArray;

import static dev.jvs.director.rules.DestArray.OVERHEAD;
import static dev.jvs.director.rules.DestArray.STRIDE;
import static dev.jvs.director.rules.DestArray.USABLE_WEIGHT;

/** lc: the smallest overhead (active*256 + inactive) wins; ties keep the earlier server in list order. */
final class LeastConnectionScheduler implements Scheduler {

    static final String NAME = "lc";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Dest schedule(ScheduleContext ctx) {
        DestArray array = ctx.array();
        long[] c = array.cells();
        int least = -1;
        long leastOverhead = Long.MAX_VALUE; // above any real overhead, so the first usable server is taken
        for (int p = 0; p < c.length; p += STRIDE) {
            long overhead = c[p + OVERHEAD];
            if (overhead < leastOverhead && c[p + USABLE_WEIGHT] != 0) {
                least = p;
                leastOverhead = overhead;
            }
        }
        return least < 0 ? null : array.dest(least / STRIDE);
    }
}

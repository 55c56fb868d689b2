package dev.jvs.director.sched;

import dev.jvs.director.rules.Dest;

/** lc: the smallest overhead (active*256 + inactive) wins; ties keep the earlier server in list order. */
final class LeastConnectionScheduler implements Scheduler {

    static final String NAME = "lc";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Dest schedule(ScheduleContext ctx) {
        Dest least = null;
        long leastOverhead = 0;
        for (Dest d : ctx.dests()) {
            if (d.overloaded() || d.weight() == 0) {
                continue;
            }
            long overhead = d.overhead();
            if (least == null || overhead < leastOverhead) {
                least = d;
                leastOverhead = overhead;
            }
        }
        return least;
    }
}

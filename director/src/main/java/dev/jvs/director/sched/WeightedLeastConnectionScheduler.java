package dev.jvs.director.sched;

import dev.jvs.director.rules.Dest;

import java.util.List;

/**
 * wlc: the smallest overhead/weight wins, compared by cross-multiplying in 64 bits. Only the first candidate
 * needs a positive weight; a later weight-0 server can never win the strict comparison.
 */
final class WeightedLeastConnectionScheduler implements Scheduler {

    static final String NAME = "wlc";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Dest schedule(ScheduleContext ctx) {
        return leastLoaded(ctx.dests());
    }

    /** The wlc rule over a whole list; lblc and lblcr fall back to it. */
    static Dest leastLoaded(List<Dest> dests) {
        int n = dests.size();
        int i = 0;
        Dest least = null;
        for (; i < n; i++) {
            Dest d = dests.get(i);
            if (!d.overloaded() && d.weight() > 0) {
                least = d;
                break;
            }
        }
        if (least == null) {
            return null;
        }
        long leastOverhead = least.overhead();
        long leastWeight = least.weight();
        for (i = i + 1; i < n; i++) {
            Dest d = dests.get(i);
            if (d.overloaded()) {
                continue;
            }
            long overhead = d.overhead();
            long weight = d.weight();
            if (leastOverhead * weight > overhead * leastWeight) {
                least = d;
                leastOverhead = overhead;
                leastWeight = weight;
            }
        }
        return least;
    }
}

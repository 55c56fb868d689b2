package dev.jvs.director.sched;

import dev.jvs.director.rules.Dest;

import java.util.List;

/**
 * sed: wlc's procedure with the expected delay (active + 1) / weight as the cost; inactive connections do not
 * count. The first non-overloaded server with a positive weight seeds the search; later weight-0 servers can
 * never win the strict cross-multiplied comparison.
 */
final class ShortestExpectedDelayScheduler implements Scheduler {

    static final String NAME = "sed";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Dest schedule(ScheduleContext ctx) {
        List<Dest> dests = ctx.dests();
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
        long leastCost = least.activeConns() + 1L;
        long leastWeight = least.weight();
        for (i = i + 1; i < n; i++) {
            Dest d = dests.get(i);
            if (d.overloaded()) {
                continue;
            }
            long cost = d.activeConns() + 1L;
            long weight = d.weight();
            if (leastCost * weight > cost * leastWeight) {
                least = d;
                leastCost = cost;
                leastWeight = weight;
            }
        }
        return least;
    }
}

package dev.jvs.director.sched;

import dev.jvs.director.rules.Dest;

import java.util.List;

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
        List<Dest> dests = ctx.dests();
        Dest least = null;
        long leastCost = 0;
        long leastWeight = 0;
        for (int i = 0, n = dests.size(); i < n; i++) {
            Dest d = dests.get(i);
            int weight = d.weight();
            if (d.overloaded() || weight == 0) {
                continue;
            }
            int active = d.activeConns();
            if (active == 0) {
                return d;
            }
            long cost = active + 1L;
            if (least == null || leastCost * weight > cost * leastWeight) {
                least = d;
                leastCost = cost;
                leastWeight = weight;
            }
        }
        return least;
    }
}

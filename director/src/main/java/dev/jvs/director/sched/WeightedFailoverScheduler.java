package dev.jvs.director.sched;

import dev.jvs.director.rules.Dest;

import java.util.List;

/** fo: the non-overloaded server with the highest weight; ties keep the earlier one; loads are ignored. */
final class WeightedFailoverScheduler implements Scheduler {

    static final String NAME = "fo";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Dest schedule(ScheduleContext ctx) {
        List<Dest> dests = ctx.dests();
        Dest highest = null;
        int highestWeight = 0; // so a winner needs a positive weight
        for (int i = 0, n = dests.size(); i < n; i++) {
            Dest d = dests.get(i);
            int weight = d.weight();
            if (!d.overloaded() && weight > highestWeight) {
                highest = d;
                highestWeight = weight;
            }
        }
        return highest;
    }
}

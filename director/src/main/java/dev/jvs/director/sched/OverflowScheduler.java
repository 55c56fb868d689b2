package dev.jvs.director.sched;

import dev.jvs.director.rules.Dest;

import java.util.List;

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
        List<Dest> dests = ctx.dests();
        Dest highest = null;
        int highestWeight = 0;
        for (int i = 0, n = dests.size(); i < n; i++) {
            Dest d = dests.get(i);
            int weight = d.weight();
            if (d.overloaded() || weight == 0 || d.activeConns() > weight) {
                continue;
            }
            if (highest == null || weight > highestWeight) {
                highest = d;
                highestWeight = weight;
            }
        }
        return highest;
    }
}

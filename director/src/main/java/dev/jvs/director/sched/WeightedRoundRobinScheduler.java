package dev.jvs.director.sched;

import dev.jvs.director.rules.Dest;
import dev.jvs.director.rules.DestArray;

import java.util.List;

/**
 * wrr, the classic LVS variant: passes over the list with a current weight {@code cw} that steps down by the
 * gcd {@code di} from {@code mw}; a server qualifies in a pass when its weight is at least {@code cw}.
 * Every add, delete and edit resets the cursor and recomputes di/mw, as the kernel does, so the sequence
 * depends on the history of changes.
 */
final class WeightedRoundRobinScheduler implements Scheduler {

    static final String NAME = "wrr";
    private static final int HEAD = -1;
    private static final int NO_STOP = -2;

    private int cursor = HEAD;
    private int cw;
    private int mw;
    private int di = 1;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void initService(List<Dest> dests) {
        cursor = HEAD;
        di = gcdOfPositiveWeights(dests);
        mw = maxWeight(dests) - (di - 1);
        cw = mw;
    }

    @Override
    public void addDest(List<Dest> dests, Dest dest) {
        destsChanged(dests);
    }

    @Override
    public void delDest(List<Dest> dests, Dest dest, int formerIndex) {
        destsChanged(dests);
    }

    @Override
    public void updDest(List<Dest> dests, Dest dest) {
        destsChanged(dests);
    }

    private void destsChanged(List<Dest> dests) {
        cursor = HEAD;
        di = gcdOfPositiveWeights(dests);
        mw = maxWeight(dests) - (di - 1);
        if (cw > mw || cw == 0) {
            cw = mw;
        } else if (di > 1) {
            cw = (cw / di) * di + 1;
        }
    }

    @Override
    public Dest schedule(ScheduleContext ctx) {
        if (mw == 0) {
            return null;
        }
        DestArray array = ctx.array();
        int n = array.size();
        int last = cursor;
        int stop = NO_STOP;
        boolean lastPass = false;
        boolean restarted = false;
        int i = cursor;
        while (true) {
            for (i = i + 1; i < n; i++) {
                if (array.usableWeight(i) >= cw) { // cw >= 1: an overloaded server (usable 0) never qualifies
                    cursor = i;
                    return array.dest(i);
                }
                if (i == stop) {
                    cursor = i;
                    return null;
                }
            }
            cw -= di;
            if (cw <= 0) {
                cw = mw;
                // Either every server was already checked at the lowest cw, or this walk began at the head.
                if (lastPass || last == HEAD) {
                    cursor = HEAD;
                    return null;
                }
                restarted = true;
            }
            lastPass = cw <= di;
            if (lastPass && restarted && last != HEAD) {
                // The lowest pass so far covered only the servers after 'last'; finish with those up to it.
                stop = last;
            }
            i = HEAD;
        }
    }

    private static int gcdOfPositiveWeights(List<Dest> dests) {
        int g = 0;
        for (Dest d : dests) {
            int w = d.weight();
            if (w > 0) {
                g = g == 0 ? w : gcd(g, w);
            }
        }
        return g == 0 ? 1 : g;
    }

    private static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    private static int maxWeight(List<Dest> dests) {
        int max = 0;
        for (Dest d : dests) {
            max = Math.max(max, d.weight());
        }
        return max;
    }
}

package dev.jvs.director.sched;

import dev.jvs.director.rules.Dest;
import dev.jvs.director.rules.DestArray;

import java.util.List;

/**
 * rr: walks the list from the element after the last pick, wraps, and finally re-examines the last pick.
 * A server qualifies when its weight is positive and it is not overloaded.
 */
final class RoundRobinScheduler implements Scheduler {

    static final String NAME = "rr";
    private static final int HEAD = -1;

    /** Index of the last server returned; HEAD means "before the first element". */
    private int cursor = HEAD;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void initService(List<Dest> dests) {
        cursor = HEAD;
    }

    @Override
    public void addDest(List<Dest> dests, Dest dest) {
        // The kernel's cursor is a list node; a head insertion shifts that node's index by one.
        if (cursor != HEAD) {
            cursor++;
        }
    }

    @Override
    public void delDest(List<Dest> dests, Dest dest, int formerIndex) {
        if (formerIndex == cursor) {
            cursor = formerIndex - 1; // the predecessor, or HEAD, so the walk resumes at the successor
        } else if (formerIndex < cursor) {
            cursor--;
        }
    }

    @Override
    public Dest schedule(ScheduleContext ctx) {
        DestArray array = ctx.array();
        int n = array.size();
        // Starting "before the head" visits 0..n-1, which is the same walk as starting at n-1.
        int i = cursor == HEAD ? n - 1 : cursor;
        for (int step = 1; step <= n; step++) {
            i = i + 1 == n ? 0 : i + 1;
            if (array.usableWeight(i) > 0) {
                cursor = i;
                return array.dest(i);
            }
        }
        return null;
    }
}

package dev.jvs.director.sched;

import dev.jvs.director.rules.Dest;

import java.util.List;

/**
 * A scheduler whose state is a lookup table built from the whole destination list (sh, mh): like the kernel's,
 * it rebuilds the table on every change of the list — bind, add, delete and edit alike.
 */
abstract class TableScheduler implements Scheduler {

    /** Builds the table from {@code dests} in kernel order. */
    abstract void rebuild(List<Dest> dests);

    @Override
    public final void initService(List<Dest> dests) {
        rebuild(dests);
    }

    @Override
    public final void addDest(List<Dest> dests, Dest dest) {
        rebuild(dests);
    }

    @Override
    public final void delDest(List<Dest> dests, Dest dest, int formerIndex) {
        rebuild(dests);
    }

    @Override
    public final void updDest(List<Dest> dests, Dest dest) {
        rebuild(dests);
    }
}

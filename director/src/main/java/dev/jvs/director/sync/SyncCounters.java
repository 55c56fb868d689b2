package dev.jvs.director.sync;

import java.util.concurrent.atomic.LongAdder;

/** Sync messages since the director started, over every master and backup daemon it ran (for metrics). */
public final class SyncCounters {
    final LongAdder sent = new LongAdder();
    final LongAdder received = new LongAdder();
    final LongAdder dropped = new LongAdder();

    /** Messages a master handed to the network (once per message, whatever the number of peers). */
    public long sent() { return sent.sum(); }

    /** Messages a backup received, valid or not. */
    public long received() { return received.sum(); }

    /** Messages dropped: a master's full send queue, a backup's malformed input. */
    public long dropped() { return dropped.sum(); }
}

package dev.jvs.director.sched;

import dev.jvs.director.rules.Dest;

import java.util.List;

/**
 * dh: 256 buckets, bucket i holding the (i mod n)-th server of the list; the packet's destination address
 * picks the bucket with hash_32. The bucket's server is used only if it is available, has a positive weight and
 * is not overloaded; there is no fallback. Weights are ignored when filling, so edits do not rebuild.
 */
final class DestinationHashingScheduler implements Scheduler {

    static final String NAME = "dh";
    static final int TABLE_BITS = 8;
    static final int TABLE_SIZE = 1 << TABLE_BITS;

    private final Dest[] buckets = new Dest[TABLE_SIZE];

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void initService(List<Dest> dests) {
        assign(dests);
    }

    @Override
    public void addDest(List<Dest> dests, Dest dest) {
        assign(dests);
    }

    @Override
    public void delDest(List<Dest> dests, Dest dest, int formerIndex) {
        assign(dests);
    }

    private void assign(List<Dest> dests) {
        int n = dests.size();
        for (int i = 0; i < TABLE_SIZE; i++) {
            buckets[i] = n == 0 ? null : dests.get(i % n);
        }
    }

    static int bucketOf(int addressFold) {
        return KernelHash.hash32(addressFold, TABLE_BITS);
    }

    @Override
    public Dest schedule(ScheduleContext ctx) {
        Dest d = buckets[bucketOf(KernelHash.fold(ctx.destinationAddress()))];
        if (d == null || !d.available() || d.weight() <= 0 || d.overloaded()) {
            return null;
        }
        return d;
    }
}

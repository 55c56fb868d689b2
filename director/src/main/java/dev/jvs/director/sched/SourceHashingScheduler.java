package dev.jvs.director.sched;

import dev.jvs.director.rules.Dest;
import dev.jvs.model.ServiceConfig;

import java.util.List;

/**
 * sh: 256 buckets filled by walking the list cyclically, each server taking as many consecutive buckets as its
 * weight (a weight-0 server still takes one). The client address (plus its port with sh-port) picks the bucket.
 * An unavailable bucket server (weight 0 or overloaded) means no destination, unless sh-fallback probes on.
 */
final class SourceHashingScheduler extends TableScheduler {

    static final String NAME = "sh";
    static final int TABLE_BITS = 8;
    static final int TABLE_SIZE = 1 << TABLE_BITS;
    private static final int TABLE_MASK = TABLE_SIZE - 1;

    private final Dest[] buckets = new Dest[TABLE_SIZE];

    @Override
    public String name() {
        return NAME;
    }

    @Override
    void rebuild(List<Dest> dests) {
        int n = dests.size();
        int current = 0;
        int given = 0;
        for (int i = 0; i < TABLE_SIZE; i++) {
            if (n == 0) {
                buckets[i] = null;
                continue;
            }
            Dest d = dests.get(current);
            buckets[i] = d;
            if (++given >= d.weight()) {
                current = (current + 1) % n;
                given = 0;
            }
        }
    }

    /** The kernel's sh hash: {@code (offset + hash_32(port + fold(addr), 8)) mod 256}. */
    static int bucketOf(int addressFold, int port, int offset) {
        return (offset + KernelHash.hash32(port + addressFold, TABLE_BITS)) & TABLE_MASK;
    }

    @Override
    public Dest schedule(ScheduleContext ctx) {
        int fold = KernelHash.fold(ctx.clientAddress());
        int port = ctx.hasFlag(ServiceConfig.SCHED2) ? ctx.clientPort() : 0;
        int home = bucketOf(fold, port, 0);
        Dest d = buckets[home];
        if (d == null) {
            return null;
        }
        if (!unavailable(d)) {
            return d;
        }
        if (!ctx.hasFlag(ServiceConfig.SCHED1)) {
            return null;
        }
        // The kernel's probe adds the home bucket twice, so the walk starts at 2*home, not at home + 1.
        for (int k = 0; k < TABLE_SIZE; k++) {
            d = buckets[bucketOf(fold, port, (k + home) & TABLE_MASK)];
            if (d == null) {
                return null;
            }
            if (!unavailable(d)) {
                return d;
            }
        }
        return null;
    }

    private static boolean unavailable(Dest d) {
        return d.weight() <= 0 || d.overloaded();
    }
}

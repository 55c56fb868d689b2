package dev.jvs.director.sched;

import dev.jvs.director.rules.Dest;
import dev.jvs.model.ServiceConfig;

import java.util.Arrays;
import java.util.List;

/**
 * mh, Maglev hashing as the kernel builds it: a prime table of 4093 slots (the default
 * CONFIG_IP_VS_MH_TAB_INDEX 12), per-server permutations from hsiphash with the kernel's fixed keys, and turns
 * per round from {@code last_weight} scaled by the gcd and shifted to at most 6 significant bits. A quiesced
 * server keeps its slots (its last non-zero weight still counts); traffic to them fails or falls back.
 */
final class MaglevHashScheduler extends TableScheduler {

    static final String NAME = "mh";
    static final int TABLE_SIZE = 4093;
    static final int TABLE_BITS = 6;
    /** The kernel's compile-time keys: each siphash key is the same 64-bit word twice. */
    static final long KEY1 = 2654435761L;
    static final long KEY2 = 2654446892L;

    private final Dest[] slots = new Dest[TABLE_SIZE];

    @Override
    public String name() {
        return NAME;
    }

    /** ip_vs_mh_hashkey: hsiphash of {@code offset + port + fold(addr)} as one 32-bit value. */
    static int hashKey(long key, int addressFold, int port, int offset) {
        return HsipHash.hash(key, key, offset + port + addressFold);
    }

    static int home(int addressFold, int port) {
        return Integer.remainderUnsigned(hashKey(KEY1, addressFold, port, 0), TABLE_SIZE);
    }

    @Override
    void rebuild(List<Dest> dests) {
        Arrays.fill(slots, null);
        int n = dests.size();
        int gcd = 0;
        int maxLastWeight = 0;
        for (Dest d : dests) {
            int w = d.lastWeight();
            if (w > 0) {
                gcd = gcd == 0 ? w : gcd(w, gcd);
            }
            maxLastWeight = Math.max(maxLastWeight, w);
        }
        if (gcd < 1) {
            return; // no server has ever had a weight
        }
        int shift = Math.max(0, (32 - Integer.numberOfLeadingZeros(maxLastWeight / gcd)) - TABLE_BITS);
        int[] position = new int[n];
        int[] skip = new int[n];
        int[] turns = new int[n];
        for (int i = 0; i < n; i++) {
            Dest d = dests.get(i);
            int fold = KernelHash.fold(d.config().address());
            int port = d.config().port();
            position[i] = Integer.remainderUnsigned(hashKey(KEY1, fold, port, 0), TABLE_SIZE);
            skip[i] = Integer.remainderUnsigned(hashKey(KEY2, fold, port, 0), TABLE_SIZE - 1) + 1;
            int lw = d.lastWeight();
            int scaled = (lw / gcd) >> shift;
            turns[i] = scaled != 0 ? scaled : (lw != 0 ? 1 : 0);
        }
        boolean[] taken = new boolean[TABLE_SIZE];
        int filled = 0;
        while (true) {
            for (int i = 0; i < n; i++) {
                for (int t = 0; t < turns[i]; t++) {
                    int c = position[i];
                    while (taken[c]) {
                        c += skip[i];
                        if (c >= TABLE_SIZE) {
                            c -= TABLE_SIZE;
                        }
                    }
                    position[i] = c; // not advanced after a claim, as the kernel
                    taken[c] = true;
                    slots[c] = dests.get(i);
                    if (++filled == TABLE_SIZE) {
                        return;
                    }
                }
            }
        }
    }

    @Override
    public Dest schedule(ScheduleContext ctx) {
        int fold = KernelHash.fold(ctx.clientAddress());
        int port = ctx.hasFlag(ServiceConfig.SCHED2) ? ctx.clientPort() : 0;
        int home = home(fold, port);
        Dest d = slots[home];
        if (d == null) {
            return null;
        }
        if (!unavailable(d)) {
            return d;
        }
        if (!ctx.hasFlag(ServiceConfig.SCHED1)) {
            return null;
        }
        for (int k = 0; k < TABLE_SIZE; k++) {
            int offset = (k + home) % TABLE_SIZE;
            d = slots[Integer.remainderUnsigned(hashKey(KEY1, fold, port, offset), TABLE_SIZE)];
            if (d == null) {
                return null;
            }
            if (!unavailable(d)) {
                return d;
            }
        }
        return null;
    }

    /** Which server owns each slot, for tests and diagnostics. */
    Dest[] slotsSnapshot() {
        return slots.clone();
    }

    private static boolean unavailable(Dest d) {
        return d.weight() <= 0 || d.overloaded();
    }

    private static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }
}

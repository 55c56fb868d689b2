package dev.jvs.director.rules;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;

/**
 * A service's destinations in kernel list order with the numbers the schedulers scan laid out flat: the server at
 * position {@code i} has its four numbers side by side at {@code cells[i * STRIDE ...]}, so a least-connection scan
 * reads one contiguous array instead of one object per server. The numbers are stored in the form the scans
 * compare: the overhead is precomputed, and the weight comes a second time as 0 while the server is overloaded
 * (every scanning scheduler skips overloaded and weight-0 servers alike, so one test covers both).
 *
 * <p>The rule table builds a new array whenever the list changes (add, delete), under the service's lock. The
 * {@link Dest} stays the authority for its numbers; each change of them is mirrored into the array the Dest is
 * currently placed in (see {@code Dest.publishLoad}), so a scheduler sees the counts of the very last connection.
 */
public final class DestArray {

    public static final int STRIDE = 4;
    /** The weight, or 0 while the server carries the OVERLOAD flag (its upper threshold was reached). */
    public static final int USABLE_WEIGHT = 0;
    /** The least-connection family's load: active * 256 + inactive, as the kernel computes it. */
    public static final int OVERHEAD = 1;
    public static final int ACTIVE = 2;
    /** The configured weight, overloaded or not (lblc's overload test reads it). */
    public static final int WEIGHT = 3;

    static final DestArray EMPTY = new DestArray(List.of());

    private static final VarHandle CELL = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle USABLE_WEIGHT_CHANGES;

    static {
        try {
            USABLE_WEIGHT_CHANGES = MethodHandles.lookup()
                    .findVarHandle(DestArray.class, "usableWeightChanges", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Dest[] dests;
    private final long[] cells;
    /** Bumped after any usable weight changed, so a scheduler can keep sums of the weights until then. */
    private volatile int usableWeightChanges;

    DestArray(List<Dest> list) {
        this.dests = list.toArray(new Dest[0]);
        this.cells = new long[dests.length * STRIDE];
    }

    public int size() {
        return dests.length;
    }

    public Dest dest(int i) {
        return dests[i];
    }

    /**
     * The flat numbers, {@link #STRIDE} ints per server in list order (read-only for schedulers: the Dests write
     * them). Plain reads are fine under the service's scheduling lock: the writes are volatile.
     */
    public long[] cells() {
        return cells;
    }

    /** The weight of position {@code i}, or 0 while that server is overloaded. */
    public long usableWeight(int i) {
        return cells[i * STRIDE + USABLE_WEIGHT];
    }

    /**
     * Changes whenever a usable weight changed (an edit, an overload flag set or cleared). Read it before the
     * weights: a scheduler that keeps something computed from them recomputes when this moved.
     */
    public int usableWeightChanges() {
        return usableWeightChanges;
    }

    /** Where one Dest's numbers live in one array; replaced, never changed, when the Dest moves. */
    static final class Placement {
        private final DestArray array;
        private final long[] cells;
        private final int base;

        Placement(DestArray array, int index) {
            this.array = array;
            this.cells = array.cells;
            this.base = index * STRIDE;
        }

        void write(int weight, int active, int inactive, boolean overloaded) {
            long usable = overloaded ? 0L : weight;
            if ((long) CELL.getVolatile(cells, base + USABLE_WEIGHT) != usable) {
                CELL.setVolatile(cells, base + USABLE_WEIGHT, usable);
                USABLE_WEIGHT_CHANGES.getAndAdd(array, 1);
            }
            CELL.setVolatile(cells, base + OVERHEAD, ((long) active << 8) + inactive);
            CELL.setVolatile(cells, base + ACTIVE, (long) active);
            CELL.setVolatile(cells, base + WEIGHT, (long) weight);
        }

        boolean holds(int weight, int active, int inactive, boolean overloaded) {
            return (long) CELL.getVolatile(cells, base + USABLE_WEIGHT) == (overloaded ? 0L : weight)
                    && (long) CELL.getVolatile(cells, base + OVERHEAD) == ((long) active << 8) + inactive
                    && (long) CELL.getVolatile(cells, base + ACTIVE) == active
                    && (long) CELL.getVolatile(cells, base + WEIGHT) == weight;
        }
    }
}

package dev.jvs.director.sched;

import java.net.InetAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The address cache of lblc and lblcr: 1024 hash_32 buckets, newest entry first in each, and the kernel's
 * garbage collector. The kernel runs the collector from a 60 s timer; here the ticks that fell due are run,
 * each at its own tick time, before the next lookup, which gives the same table at every decision.
 */
final class LocalityCache<E extends LocalityCache.Entry> {

    static final int BITS = 10;
    static final int SIZE = 1 << BITS;
    static final int MAX_SIZE = SIZE * 16;
    static final int TICKS_PER_FULL_PASS = 30;
    static final long CHECK_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(60);
    static final long ENTRY_TIMEOUT_NANOS = TimeUnit.MINUTES.toNanos(6);
    /** The lblc_expiration / lblcr_expiration sysctls' default, 24 hours. */
    static final long DEFAULT_EXPIRATION_NANOS = TimeUnit.HOURS.toNanos(24);

    /** One cached address; subclasses add what they remember for it. */
    abstract static class Entry {
        final InetAddress address;
        long lastUse;
        Entry next;

        Entry(InetAddress address, long now) {
            this.address = address;
            this.lastUse = now;
        }
    }

    private final Entry[] buckets = new Entry[SIZE];
    private final LongSupplier nanoClock;
    private final long expirationNanos;
    /** The kernel's entry counter; lblc lets it drift upward, and it only decides when size-based GC starts. */
    private int counted;
    private int tickCounter = 1;
    private int rover;
    private long nextTick;

    LocalityCache(LongSupplier nanoClock, long expirationNanos) {
        this.nanoClock = nanoClock;
        this.expirationNanos = expirationNanos;
        this.nextTick = nanoClock.getAsLong() + CHECK_INTERVAL_NANOS;
    }

    long expirationNanos() {
        return expirationNanos;
    }

    /** The current time, after running every collector tick that fell due. */
    long now() {
        long now = nanoClock.getAsLong();
        while (now - nextTick >= 0) {
            tick(nextTick);
            nextTick += CHECK_INTERVAL_NANOS;
        }
        return now;
    }

    @SuppressWarnings("unchecked")
    E get(InetAddress address) {
        for (Entry e = buckets[bucketOf(address)]; e != null; e = e.next) {
            if (e.address.equals(address)) {
                return (E) e;
            }
        }
        return null;
    }

    void add(E entry) {
        int b = bucketOf(entry.address);
        entry.next = buckets[b];
        buckets[b] = entry;
        counted++;
    }

    /** Unlinks an entry; {@code counted} false reproduces lblc's replacement, which forgets the decrement. */
    void remove(E entry, boolean counted) {
        int b = bucketOf(entry.address);
        Entry prev = null;
        for (Entry e = buckets[b]; e != null; prev = e, e = e.next) {
            if (e == entry) {
                if (prev == null) {
                    buckets[b] = e.next;
                } else {
                    prev.next = e.next;
                }
                e.next = null;
                if (counted) {
                    this.counted--;
                }
                return;
            }
        }
    }

    int countedEntries() {
        return counted;
    }

    static int bucketOf(InetAddress address) {
        return KernelHash.hash32(KernelHash.fold(address), BITS);
    }

    private void tick(long now) {
        if (tickCounter % TICKS_PER_FULL_PASS == 0) {
            for (int b = 0; b < SIZE; b++) {
                removeIdle(b, now, expirationNanos);
            }
            tickCounter = 1;
            return;
        }
        if (counted <= MAX_SIZE) {
            tickCounter++;
            return;
        }
        int goal = Math.min((counted - MAX_SIZE) * 4 / 3, MAX_SIZE / 2);
        int j = rover;
        for (int i = 0; i < SIZE; i++) {
            j = (j + 1) & (SIZE - 1);
            goal -= removeIdle(j, now, ENTRY_TIMEOUT_NANOS);
            if (goal <= 0) {
                break;
            }
        }
        rover = j;
    }

    /** Removes the bucket's entries unused for at least {@code idleNanos}; returns how many. */
    private int removeIdle(int bucket, long now, long idleNanos) {
        int removed = 0;
        Entry prev = null;
        Entry e = buckets[bucket];
        while (e != null) {
            Entry next = e.next;
            if (now - (e.lastUse + idleNanos) >= 0) {
                if (prev == null) {
                    buckets[bucket] = next;
                } else {
                    prev.next = next;
                }
                e.next = null;
                counted--;
                removed++;
            } else {
                prev = e;
            }
            e = next;
        }
        return removed;
    }
}

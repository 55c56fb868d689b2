package dev.jvs.director.conn;

import dev.jvs.model.Protocol;
import dev.jvs.model.Timeouts;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The connection table: a fixed power-of-two array of hash chains (like the kernel's, whose size is the
 * {@code (size=N)} of {@code ipvsadm -L}), guarded by striped locks so that no operation takes a global lock.
 *
 * <p>The array has at least 2^{@value #MIN_HASH_BITS} chains whatever {@code (size=N)} says: a NAT director at
 * 10,000 new connections/s keeps over a million TIME_WAIT entries, and 4,096 chains would make every insert walk
 * hundreds of them under a stripe lock. Each entry keeps its key's hash, so a walk compares ints first.
 */
public final class ConnectionTable {

    public static final int DEFAULT_BITS = 12;
    public static final int MIN_BITS = 8;
    public static final int MAX_BITS = 20;
    private static final int STRIPES = 1 << MIN_BITS; // never more stripes than buckets
    static final int MIN_HASH_BITS = 16;

    private final Connection[] buckets;
    private final int mask;
    private final int shownSize;
    private final Object[] stripes = new Object[STRIPES];
    private final AtomicInteger size = new AtomicInteger();
    private final Supplier<Timeouts> timeouts;
    private volatile boolean expireNodestConn;

    public ConnectionTable(Supplier<Timeouts> timeouts) {
        this(DEFAULT_BITS, timeouts);
    }

    public ConnectionTable(int bits, Supplier<Timeouts> timeouts) {
        if (bits < MIN_BITS || bits > MAX_BITS) {
            throw new IllegalArgumentException("connection table bits must be " + MIN_BITS + ".." + MAX_BITS
                    + ": " + bits);
        }
        this.timeouts = Objects.requireNonNull(timeouts, "timeouts");
        this.shownSize = 1 << bits;
        this.buckets = new Connection[1 << Math.max(bits, MIN_HASH_BITS)];
        this.mask = buckets.length - 1;
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new Object();
        }
    }

    /**
     * The kernel's {@code expire_nodest_conn} sysctl (default off: connections to a deleted server drain on
     * their own). When on, each expiry pass also removes, held or not, every entry whose server was deleted,
     * and asks its owner to close it, as the kernel's bulk flush since 5.9 does.
     */
    public void expireNodestConn(boolean on) {
        expireNodestConn = on;
    }

    public boolean expireNodestConn() {
        return expireNodestConn;
    }

    /** The timeouts connections of this table should use (pass to {@link Connection}'s constructor). */
    public Supplier<Timeouts> timeouts() {
        return timeouts;
    }

    /** The table size {@code ipvsadm -L} shows: 2^{@code --conn-tab-bits}. */
    public int bucketCount() {
        return shownSize;
    }

    public int size() {
        return size.get();
    }

    /** @return false, leaving the table unchanged, if a connection with the same key is present */
    public boolean insert(Connection conn) {
        int hash = conn.keyHash();
        int b = bucketOf(hash);
        synchronized (stripes[b & (STRIPES - 1)]) {
            for (Connection c = buckets[b]; c != null; c = c.chainNext) {
                if (c.keyHash() == hash && c.sameKey(conn)) {
                    return false;
                }
            }
            conn.chainNext = buckets[b];
            buckets[b] = conn;
            size.incrementAndGet();
            return true;
        }
    }

    /**
     * Enters the connection in place of an entry with the same key, which is unlinked and unbound from its server
     * (held or not), as IPVS expires a TIME_WAIT entry whose client address and port a new connection reuses.
     * One walk of one chain under one lock: at thousands of connections per second clients reuse their ports
     * within seconds, so on a busy director nearly every new entry replaces one.
     *
     * @return the entry replaced, or null
     */
    public Connection insertReplacing(Connection conn) {
        int hash = conn.keyHash();
        int b = bucketOf(hash);
        synchronized (stripes[b & (STRIPES - 1)]) {
            Connection replaced = null;
            Connection prev = null;
            for (Connection c = buckets[b]; c != null; prev = c, c = c.chainNext) {
                if (c.keyHash() == hash && c.sameKey(conn)) {
                    unlink(b, prev, c);
                    c.unbind();
                    replaced = c;
                    break;
                }
            }
            conn.chainNext = buckets[b];
            buckets[b] = conn;
            size.incrementAndGet();
            return replaced;
        }
    }

    public Connection get(Protocol protocol, InetSocketAddress client, InetSocketAddress virtual) {
        return get(new ConnectionKey(protocol, client, virtual));
    }

    public Connection get(ConnectionKey key) {
        int hash = key.hashCode();
        int b = bucketOf(hash);
        synchronized (stripes[b & (STRIPES - 1)]) {
            for (Connection c = buckets[b]; c != null; c = c.chainNext) {
                if (c.keyHash() == hash && c.hasKey(key)) {
                    return c;
                }
            }
            return null;
        }
    }

    /**
     * Unlinks the connection and unbinds it from its server now, held or not (the kernel's immediate expiry).
     *
     * @return false if it was not in the table
     */
    public boolean remove(Connection conn) {
        int b = bucketOf(conn.keyHash());
        synchronized (stripes[b & (STRIPES - 1)]) {
            Connection prev = null;
            for (Connection c = buckets[b]; c != null; prev = c, c = c.chainNext) {
                if (c == conn) {
                    unlink(b, prev, c);
                    c.unbind();
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * Removes and unbinds every entry that is not held and whose timer ran out.
     *
     * @return how many were removed
     */
    public int expire(long nowNanos) {
        boolean flushNodest = expireNodestConn;
        List<Connection> forced = flushNodest ? new ArrayList<>() : null;
        int removed = 0;
        for (int b = 0; b < buckets.length; b++) {
            // Unlocked peek: most buckets are empty; one inserted meanwhile is swept on the next pass.
            if (buckets[b] == null) continue;
            synchronized (stripes[b & (STRIPES - 1)]) {
                Connection prev = null;
                Connection c = buckets[b];
                while (c != null) {
                    Connection next = c.chainNext;
                    if (flushNodest && !c.isTemplate() && !c.dest().available() && c.unbind()) {
                        unlink(b, prev, c);
                        forced.add(c);
                        removed++;
                    } else if (c.expireIfDue(nowNanos)) {
                        unlink(b, prev, c);
                        removed++;
                    } else {
                        prev = c;
                    }
                    c = next;
                }
            }
        }
        if (forced != null) {
            forced.forEach(Connection::runCloser); // outside the stripe locks
        }
        return removed;
    }

    /** Visits every entry; each bucket is copied under its lock and visited outside it. */
    public void forEach(Consumer<Connection> action) {
        List<Connection> chain = new ArrayList<>();
        for (int b = 0; b < buckets.length; b++) {
            chain.clear();
            synchronized (stripes[b & (STRIPES - 1)]) {
                for (Connection c = buckets[b]; c != null; c = c.chainNext) {
                    chain.add(c);
                }
            }
            chain.forEach(action);
        }
    }

    private void unlink(int bucket, Connection prev, Connection c) {
        if (prev == null) {
            buckets[bucket] = c.chainNext;
        } else {
            prev.chainNext = c.chainNext;
        }
        c.chainNext = null;
        size.decrementAndGet();
    }

    private int bucketOf(int keyHash) {
        int h = keyHash * 0x9E3779B9; // spread the record hash over the high bits
        return (h ^ (h >>> 16)) & mask;
    }
}

package dev.jvs.director.rules;

import dev.jvs.model.ForwardMethod;
import dev.jvs.model.RealServerConfig;
import dev.jvs.model.Rates;
import dev.jvs.model.Stats;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * A live real server of one virtual service. The rule table owns the configuration (replaced as a whole on
 * {@code -e}); connections move the counters from any thread. A deleted Dest stays usable by the connections
 * that still point at it, and comes back with its counters if the same address:port is re-added (trash).
 */
public final class Dest {

    private volatile RealServerConfig config;
    private volatile ServiceCore service;
    private volatile boolean available;
    private volatile boolean overloaded;
    /** The most recent non-zero weight (the weight itself on add, even 0): mh keeps a quiesced server's slots. */
    private volatile int lastWeight;

    /** The weight of {@link #config}, kept beside the counters: the least-connection scans read only this object. */
    private volatile int weight;
    // Counters live in this object (field updaters, not AtomicInteger objects): a scheduler's scan over the
    // list touches one object per server instead of three.
    private volatile int activeConns;
    private volatile int inactiveConns;
    private volatile int persistConns;
    private static final AtomicIntegerFieldUpdater<Dest> ACTIVE =
            AtomicIntegerFieldUpdater.newUpdater(Dest.class, "activeConns");
    private static final AtomicIntegerFieldUpdater<Dest> INACTIVE =
            AtomicIntegerFieldUpdater.newUpdater(Dest.class, "inactiveConns");
    private static final AtomicIntegerFieldUpdater<Dest> PERSIST =
            AtomicIntegerFieldUpdater.newUpdater(Dest.class, "persistConns");
    private final StatsCounters stats = new StatsCounters();

    /** Where the schedulers' flat copy of weight, counts and flag lives; null while in no service. */
    private volatile DestArray.Placement placement;

    /** Writer thread only: when the trash first saw this Dest idle, 0 if not idle. */
    long idleSinceNanos;

    Dest(RealServerConfig config) {
        this.config = config;
        this.weight = config.weight();
    }

    public RealServerConfig config() {
        return config;
    }

    /** The newest snapshot of the service this server belongs (or last belonged) to. */
    public VirtualService service() {
        return service.current;
    }

    /** False once the server was deleted from its service (or the service was deleted). */
    public boolean available() {
        return available;
    }

    public boolean overloaded() {
        return overloaded;
    }

    public int weight() {
        return weight;
    }

    /** The kernel's {@code last_weight}: the weight given on add, then the latest non-zero weight of an edit. */
    public int lastWeight() {
        return lastWeight;
    }

    public ForwardMethod method() {
        return config.method();
    }

    public int activeConns() {
        return activeConns;
    }

    public int inactiveConns() {
        return inactiveConns;
    }

    public int persistConns() {
        return persistConns;
    }

    /** The load measure of the least-connection family: active * 256 + inactive. */
    public long overhead() {
        return ((long) activeConns << 8) + inactiveConns;
    }

    public Stats stats() {
        return stats.snapshot();
    }

    public Rates rates() {
        return stats.rates();
    }

    void estimateRates() {
        stats.estimate();
    }

    public void zero() {
        stats.reset();
    }

    // ---- counter movements used by the connection table (§3.2, §3.3) ----

    /** A new connection was bound here: it starts inactive. */
    public void bindConnection() {
        INACTIVE.incrementAndGet(this);
        stats.conns.increment();
        service.stats.conns.increment();
        checkUpperThreshold();
        publishLoad();
    }

    /**
     * A connection received from the sync master was bound here: counted like any connection (inactive first) but
     * not in the connection stats, which count scheduling decisions, as in IPVS.
     */
    public void bindSyncedConnection() {
        INACTIVE.incrementAndGet(this);
        checkUpperThreshold();
        publishLoad();
    }

    /** A persistence template was bound here: counted in persistconns, not in the connection stats. */
    public void bindTemplate() {
        PERSIST.incrementAndGet(this);
        checkUpperThreshold();
        publishLoad();
    }

    public void moveToActive() {
        INACTIVE.decrementAndGet(this);
        ACTIVE.incrementAndGet(this);
        publishLoad();
    }

    public void moveToInactive() {
        ACTIVE.decrementAndGet(this);
        INACTIVE.incrementAndGet(this);
        publishLoad();
    }

    /** A connection ended; {@code wasActive} says which counter it was in. */
    public void unbind(boolean wasActive) {
        (wasActive ? ACTIVE : INACTIVE).decrementAndGet(this);
        checkLowerThreshold();
        publishLoad();
    }

    public void unbindTemplate() {
        PERSIST.decrementAndGet(this);
        checkLowerThreshold();
        publishLoad();
    }

    public void countIn(long bytes) {
        stats.countIn(bytes);
        service.stats.countIn(bytes);
    }

    public void countOut(long bytes) {
        stats.countOut(bytes);
        service.stats.countOut(bytes);
    }

    private void checkUpperThreshold() {
        int upper = config.upperThreshold();
        if (upper != 0 && activeConns + inactiveConns >= upper) {
            overloaded = true;
        }
    }

    private void checkLowerThreshold() {
        RealServerConfig c = config;
        int conns = activeConns + inactiveConns;
        if (c.lowerThreshold() != 0) {
            if (conns < c.lowerThreshold()) {
                overloaded = false;
            }
        } else if (c.upperThreshold() != 0) {
            // implicit lower threshold: strictly below 3/4 of the upper one
            if ((long) conns * 4 < (long) c.upperThreshold() * 3) {
                overloaded = false;
            }
        } else {
            overloaded = false;
        }
    }

    // ---- writer side (rule table, under the service core's lock) ----

    /** Applies a new configuration as the kernel's update does on add ({@code adding}) and edit. */
    void update(RealServerConfig newConfig, boolean adding) {
        if (adding || newConfig.weight() != 0) {
            lastWeight = newConfig.weight();
        }
        int oldUpper = config.upperThreshold();
        if (newConfig.upperThreshold() == 0 || newConfig.upperThreshold() > oldUpper) {
            overloaded = false;
        }
        config = newConfig;
        weight = newConfig.weight();
        available = true;
        publishLoad();
    }

    /** Mirrors this Dest into its position of a new flat array (null: it left its service). */
    void placeAt(DestArray.Placement p) {
        placement = p;
        publishLoad();
    }

    /**
     * Copies weight, counts and overload flag into the schedulers' flat array. Counters move on many threads at
     * once, so one thread's copy may land after a newer one: every copier checks afterwards that the array holds
     * the current numbers, in the array the Dest is placed in now, and copies again if not. The last copier's
     * check therefore leaves the final numbers in place, with no lock.
     */
    private void publishLoad() {
        for (;;) {
            DestArray.Placement p = placement;
            if (p == null) {
                return;
            }
            p.write(weight, activeConns, inactiveConns, overloaded);
            if (placement == p && p.holds(weight, activeConns, inactiveConns, overloaded)) {
                return;
            }
        }
    }

    void rebind(ServiceCore owner) {
        service = owner;
    }

    void markUnavailable() {
        available = false;
    }

    boolean idle() {
        return activeConns == 0 && inactiveConns == 0 && persistConns == 0;
    }

    @Override
    public String toString() {
        RealServerConfig c = config;
        return "Dest[" + c.address().getHostAddress() + ":" + c.port() + " w=" + c.weight() + "]";
    }
}

package dev.jvs.director.rules;

import dev.jvs.model.ForwardMethod;
import dev.jvs.model.RealServerConfig;
import dev.jvs.model.Rates;
import dev.jvs.model.Stats;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A live real server of one virtual service. The rule table owns the configuration (replaced as a whole on
 * {@code -e}); connections move the counters from any thread. A deleted Dest stays usable by the connections
 * that still point at it, and comes back with its counters if the same address:port is re-added (trash).
 */
public final class Dest {

    private volatile RealServerConfig config;
    private volatile VirtualService service;
    private volatile boolean available;
    private volatile boolean overloaded;
    /** The most recent non-zero weight (the weight itself on add, even 0): mh keeps a quiesced server's slots. */
    private volatile int lastWeight;

    private final AtomicInteger activeConns = new AtomicInteger();
    private final AtomicInteger inactiveConns = new AtomicInteger();
    private final AtomicInteger persistConns = new AtomicInteger();
    private final StatsCounters stats = new StatsCounters();

    /** Writer thread only: when the trash first saw this Dest idle, 0 if not idle. */
    long idleSinceNanos;

    Dest(VirtualService service, RealServerConfig config) {
        this.service = service;
        this.config = config;
    }

    public RealServerConfig config() {
        return config;
    }

    public VirtualService service() {
        return service;
    }

    /** False once the server was deleted from its service (or the service was deleted). */
    public boolean available() {
        return available;
    }

    public boolean overloaded() {
        return overloaded;
    }

    public int weight() {
        return config.weight();
    }

    /** The kernel's {@code last_weight}: the weight given on add, then the latest non-zero weight of an edit. */
    public int lastWeight() {
        return lastWeight;
    }

    public ForwardMethod method() {
        return config.method();
    }

    public int activeConns() {
        return activeConns.get();
    }

    public int inactiveConns() {
        return inactiveConns.get();
    }

    public int persistConns() {
        return persistConns.get();
    }

    /** The load measure of the least-connection family: active * 256 + inactive. */
    public long overhead() {
        return ((long) activeConns.get() << 8) + inactiveConns.get();
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
        inactiveConns.incrementAndGet();
        stats.conns.increment();
        service.statsCounters().conns.increment();
        checkUpperThreshold();
    }

    /** A persistence template was bound here: counted in persistconns, not in the connection stats. */
    public void bindTemplate() {
        persistConns.incrementAndGet();
        checkUpperThreshold();
    }

    public void moveToActive() {
        inactiveConns.decrementAndGet();
        activeConns.incrementAndGet();
    }

    public void moveToInactive() {
        activeConns.decrementAndGet();
        inactiveConns.incrementAndGet();
    }

    /** A connection ended; {@code wasActive} says which counter it was in. */
    public void unbind(boolean wasActive) {
        (wasActive ? activeConns : inactiveConns).decrementAndGet();
        checkLowerThreshold();
    }

    public void unbindTemplate() {
        persistConns.decrementAndGet();
        checkLowerThreshold();
    }

    public void countIn(long bytes) {
        stats.countIn(bytes);
        service.statsCounters().countIn(bytes);
    }

    public void countOut(long bytes) {
        stats.countOut(bytes);
        service.statsCounters().countOut(bytes);
    }

    private void checkUpperThreshold() {
        int upper = config.upperThreshold();
        if (upper != 0 && activeConns.get() + inactiveConns.get() >= upper) {
            overloaded = true;
        }
    }

    private void checkLowerThreshold() {
        RealServerConfig c = config;
        int conns = activeConns.get() + inactiveConns.get();
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

    // ---- writer side (rule table, under the service's lock) ----

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
        available = true;
    }

    void rebind(VirtualService owner) {
        service = owner;
    }

    void markUnavailable() {
        available = false;
    }

    boolean idle() {
        return activeConns.get() == 0 && inactiveConns.get() == 0 && persistConns.get() == 0;
    }

    @Override
    public String toString() {
        RealServerConfig c = config;
        return "Dest[" + c.address().getHostAddress() + ":" + c.port() + " w=" + c.weight() + "]";
    }
}

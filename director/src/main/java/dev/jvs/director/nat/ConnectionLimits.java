package dev.jvs.director.nat;

import dev.jvs.model.ServiceKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Caps on concurrent proxied connections: one for the whole director ({@code --max-connections}) and one per
 * virtual service ({@code --max-conns} on {@code -A/-E}). A client beyond a cap is refused at once and counted;
 * connections already running are never affected. Refusals happen on the event loops, which only count them:
 * {@link #report} logs them from a control thread, at most one line per interval.
 */
public final class ConnectionLimits {

    private static final Logger log = LoggerFactory.getLogger(ConnectionLimits.class);
    static final long LOG_INTERVAL_SECONDS = 10;
    private static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(LOG_INTERVAL_SECONDS);

    private final int maxConnections;
    private final AtomicInteger open = new AtomicInteger();
    private final ConcurrentHashMap<ServiceKey, AtomicInteger> openPerService = new ConcurrentHashMap<>();
    private final AtomicLong refused = new AtomicLong();
    /** The first refusal since the last line, for {@link #report}; set at most once per line. */
    private final AtomicReference<Refusal> firstUnreported = new AtomicReference<>();
    // report thread only
    private long reported;
    private long lastLineNanos;
    private boolean anyLine;

    private record Refusal(ServiceKey service, String limit) {}

    private final Consumer<String> sink;
    /** Told of every slot taken and given back: it pauses the listeners before descriptors run out. */
    private volatile AcceptGate gate;

    /** @param maxConnections director-wide cap, 0 = none */
    public ConnectionLimits(int maxConnections) {
        this(maxConnections, log::warn);
    }

    /** @param sink where {@link #report} writes its lines */
    ConnectionLimits(int maxConnections, Consumer<String> sink) {
        this.maxConnections = maxConnections;
        this.sink = sink;
        gate(AcceptGate.unlimited());
    }

    /** Takes a slot for a new connection of {@code service}, or counts a refusal and returns false. */
    public boolean tryAcquire(ServiceKey service, int serviceMax) {
        if (maxConnections > 0 && open.incrementAndGet() > maxConnections) {
            open.decrementAndGet();
            return refuse(service, "the director's --max-connections " + maxConnections);
        } else if (maxConnections <= 0) {
            open.incrementAndGet();
        }
        AtomicInteger forService = openPerService.computeIfAbsent(service, k -> new AtomicInteger());
        if (serviceMax > 0 && forService.incrementAndGet() > serviceMax) {
            forService.decrementAndGet();
            open.decrementAndGet();
            return refuse(service, "the service's --max-conns " + serviceMax);
        } else if (serviceMax <= 0) {
            forService.incrementAndGet();
        }
        gate.acquired(open.get());
        return true;
    }

    public void release(ServiceKey service) {
        int now = open.decrementAndGet();
        AtomicInteger forService = openPerService.get(service);
        if (forService != null) forService.decrementAndGet();
        gate.released(now);
    }

    /** An accepted TCP connection is about to take its slot: the gate counted it as accepted until now. */
    void admitting() {
        gate.admitting();
    }

    /** The gate that keeps the slots within the open-file limit (set once, before the listeners start). */
    void gate(AcceptGate gate) {
        this.gate = java.util.Objects.requireNonNull(gate, "gate");
        gate.watch(this);
    }

    /** Connections refused over a cap since the director started. */
    public long refused() {
        return refused.get();
    }

    /** Connections currently holding a slot. */
    public int open() {
        return open.get();
    }

    private boolean refuse(ServiceKey service, String limit) {
        refused.incrementAndGet();
        if (firstUnreported.get() == null) firstUnreported.compareAndSet(null, new Refusal(service, limit));
        return false;
    }

    /**
     * Called periodically off the event loops: logs the refusals since the last line, the first at once, then at
     * most one line per {@value #LOG_INTERVAL_SECONDS} s, naming the first of them.
     */
    void report(long nowNanos) {
        long total = refused.get();
        long fresh = total - reported;
        if (fresh == 0 || anyLine && nowNanos - lastLineNanos < LOG_INTERVAL_NANOS) return;
        Refusal first = firstUnreported.getAndSet(null);
        if (first == null) return; // counted, not yet described: the next call logs it
        sink.accept(NatProxy.describe(first.service()) + ": refused a client over " + first.limit()
                + (fresh > 1 ? " and " + (fresh - 1) + " more since the last report" : "")
                + " (" + total + " refused in all)");
        reported = total;
        lastLineNanos = nowNanos;
        anyLine = true;
    }
}

package dev.jvs.director.nat;

import dev.jvs.model.ServiceKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Caps on concurrent proxied connections: one for the whole director ({@code --max-connections}) and one per
 * virtual service ({@code --max-conns} on {@code -A/-E}). A client beyond a cap is refused at once and counted;
 * connections already running are never affected.
 */
public final class ConnectionLimits {

    private static final Logger log = LoggerFactory.getLogger(ConnectionLimits.class);
    private static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final int maxConnections;
    private final AtomicInteger open = new AtomicInteger();
    private final ConcurrentHashMap<ServiceKey, AtomicInteger> openPerService = new ConcurrentHashMap<>();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong lastLogNanos = new AtomicLong(System.nanoTime() - LOG_INTERVAL_NANOS);

    /** @param maxConnections director-wide cap, 0 = none */
    public ConnectionLimits(int maxConnections) {
        this.maxConnections = maxConnections;
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
        return true;
    }

    public void release(ServiceKey service) {
        open.decrementAndGet();
        AtomicInteger forService = openPerService.get(service);
        if (forService != null) forService.decrementAndGet();
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
        long total = refused.incrementAndGet();
        long now = System.nanoTime();
        long last = lastLogNanos.get();
        if (now - last >= LOG_INTERVAL_NANOS && lastLogNanos.compareAndSet(last, now)) {
            log.warn("{}: refused a client over {} ({} refused in all)", NatProxy.describe(service), limit, total);
        }
        return false;
    }
}

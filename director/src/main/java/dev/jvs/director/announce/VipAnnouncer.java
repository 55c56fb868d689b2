package dev.jvs.director.announce;

import dev.jvs.director.rules.VirtualService;
import dev.jvs.os.InterfaceAddresses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * {@code --announce-interface IF}: keeps each VIP that {@link AnnouncePolicy} wants announced as a /32 (IPv4) or
 * /128 (IPv6) address on IF, where a routing daemon on the host (BIRD, FRR, GoBGP) picks it up and announces it
 * by BGP; removes it when the VIP must not be announced. Addresses it did not add are never removed. Works on
 * its own control thread, polling the rule table (weights change with health checks) a few times a second; the
 * data paths never wait for it.
 */
public final class VipAnnouncer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(VipAnnouncer.class);
    static final long PERIOD_MILLIS = 200;

    private final String interfaceName;
    private final int quorum;
    private final InterfaceAddresses addresses;
    private final Supplier<List<VirtualService>> services;
    private final Predicate<VirtualService> running;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "jvs-announce");
        t.setDaemon(true);
        return t;
    });
    /** VIPs this director added to the interface: only these are ever removed. Control thread only. */
    private final Set<InetAddress> added = new LinkedHashSet<>();
    /** VIPs currently on the interface because they are wanted (added by us or found there). */
    private final Set<InetAddress> announced = new LinkedHashSet<>();
    private volatile boolean draining;
    private String lastFailure;

    public VipAnnouncer(String interfaceName, int quorum, InterfaceAddresses addresses,
                        Supplier<List<VirtualService>> services, Predicate<VirtualService> running) {
        if (quorum < 1) throw new IllegalArgumentException("--announce-quorum must be at least 1");
        this.interfaceName = interfaceName;
        this.quorum = quorum;
        this.addresses = addresses;
        this.services = services;
        this.running = running;
    }

    public void start() {
        thread.scheduleWithFixedDelay(this::reconcileQuietly, 0, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Withdraws every VIP (and keeps them withdrawn); returns once the addresses are gone. */
    public void drain() {
        draining = true;
        runNow(this::reconcileQuietly);
    }

    /** The VIPs announced now (for the log and tests). */
    public Set<InetAddress> announced() {
        try {
            return thread.submit(() -> Set.copyOf(announced)).get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Set.of();
        } catch (ExecutionException | TimeoutException e) {
            return Set.of();
        }
    }

    /** One pass: add what is wanted and missing, remove what we added and is no longer wanted. */
    void reconcile() {
        Set<InetAddress> wanted = AnnouncePolicy.wanted(services.get(), running, quorum, draining);
        for (InetAddress vip : wanted) {
            if (announced.contains(vip)) continue;
            try {
                if (addresses.add(interfaceName, vip, prefix(vip), null)) {
                    added.add(vip);
                    log.info("announcing {} on {}", vip.getHostAddress(), interfaceName);
                } else {
                    log.info("{} is already on {} (not added by JVS, never removed by it)", vip.getHostAddress(),
                            interfaceName);
                }
                announced.add(vip);
            } catch (IOException e) {
                failed(e); // tried again on the next pass
            }
        }
        for (InetAddress vip : Set.copyOf(announced)) {
            if (wanted.contains(vip)) continue;
            if (added.contains(vip)) {
                try {
                    addresses.remove(interfaceName, vip, prefix(vip));
                } catch (IOException e) {
                    failed(e); // still announced: tried again on the next pass
                    continue;
                }
                added.remove(vip);
                announced.remove(vip);
                log.info("withdrawing {} from {}{}", vip.getHostAddress(), interfaceName,
                        draining ? " (draining)" : "");
            } else {
                announced.remove(vip);
                log.warn("{} should no longer be announced, but JVS did not add it to {}: left in place",
                        vip.getHostAddress(), interfaceName);
            }
        }
    }

    private void reconcileQuietly() {
        try {
            reconcile();
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    /** Logs a failure once, not on every pass while it lasts. */
    private void failed(Exception e) {
        String message = String.valueOf(e.getMessage());
        if (!message.equals(lastFailure)) log.warn("announce: {}", message);
        lastFailure = message;
    }

    private static int prefix(InetAddress vip) {
        return vip instanceof Inet4Address ? 32 : 128;
    }

    private void runNow(Runnable task) {
        try {
            thread.submit(task).get(15, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("announce: {}", e.toString());
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // already closed
        }
    }

    /** Removes every address this director added, then stops. */
    @Override
    public void close() {
        draining = true;
        runNow(this::reconcileQuietly);
        thread.shutdownNow();
    }
}

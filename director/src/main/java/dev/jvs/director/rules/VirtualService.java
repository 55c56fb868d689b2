package dev.jvs.director.rules;

import dev.jvs.director.sched.Scheduler;
import dev.jvs.model.RealServerConfig;
import dev.jvs.model.ServiceConfig;
import dev.jvs.model.ServiceKey;
import dev.jvs.model.Rates;
import dev.jvs.model.Stats;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.Function;

/**
 * One virtual service as one published table holds it: its settings and its destinations, both immutable. A
 * batch that changes the service publishes a new VirtualService; what must outlive the snapshot (counters, the
 * bound scheduler) sits in the {@link ServiceCore} they share, and the destinations themselves are carried over.
 */
public final class VirtualService {

    private final ServiceConfig config;
    private final List<Dest> dests;
    final ServiceCore core;

    VirtualService(ServiceConfig config, List<Dest> dests, ServiceCore core) {
        this.config = config;
        this.dests = List.copyOf(dests);
        this.core = core;
    }

    public ServiceConfig config() {
        return config;
    }

    public ServiceKey key() {
        return config.key();
    }

    /** The destinations in kernel order: the most recently added first. Immutable. */
    public List<Dest> dests() {
        return dests;
    }

    /** The service's newest destination list laid out flat, as the schedulers scan it (tests). */
    DestArray array() {
        return core.array();
    }

    /** True once the service was deleted or flushed (it may have been re-created since, as another one). */
    public boolean removed() {
        return core.removed();
    }

    public Stats stats() {
        return core.stats.snapshot();
    }

    public Rates rates() {
        return core.stats.rates();
    }

    /**
     * Runs the scheduler alone (no persistence) for a new connection from {@code client} to this service's own
     * address; null means "no destination".
     */
    public Dest schedule(InetSocketAddress client) {
        return schedule(client.getAddress(), client.getPort(), config.key().address());
    }

    /**
     * Runs the scheduler alone for a packet from {@code clientAddress:clientPort} to {@code destinationAddress}
     * (the virtual address, or for fwmark services the packet's own destination, which dh and lblc key on).
     * The scheduler works on the service's newest table, whichever snapshot the caller holds. Allocates nothing
     * apart from what a caching scheduler (lblc, lblcr) stores when its cache changes.
     */
    public Dest schedule(InetAddress clientAddress, int clientPort, InetAddress destinationAddress) {
        return core.schedule(clientAddress, clientPort, destinationAddress);
    }

    /** The destination with this address and port in this snapshot, or null. */
    public Dest findDest(RealServerConfig endpoint) {
        for (Dest d : dests) {
            if (d.config().sameEndpoint(endpoint)) {
                return d;
            }
        }
        return null;
    }

    /** Runs {@code probe} on the bound scheduler under the service lock (diagnostics and tests). */
    public <T> T inspectScheduler(Function<Scheduler, T> probe) {
        return core.inspectScheduler(probe);
    }

    /** Takes one estimator sample for the service and each of its real servers. */
    void estimateRates() {
        core.stats.estimate();
        for (Dest d : dests) d.estimateRates();
    }

    @Override
    public String toString() {
        return "VirtualService[" + config.key() + "]";
    }
}

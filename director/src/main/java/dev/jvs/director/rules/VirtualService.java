package dev.jvs.director.rules;

import dev.jvs.director.sched.ScheduleContext;
import dev.jvs.director.sched.Scheduler;
import dev.jvs.model.RealServerConfig;
import dev.jvs.model.ServiceConfig;
import dev.jvs.model.ServiceKey;
import dev.jvs.model.Rates;
import dev.jvs.model.Stats;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A live virtual service. Readers see immutable values (config, destination list); the scheduler's state is
 * guarded by this service's own lock, which the rule table also takes while it changes the list, so a
 * scheduler never sees a list that its hooks have not been told about.
 */
public final class VirtualService {

    /** Keys dh/lblc when a fwmark service is scheduled without the packet's destination (never the NAT path). */
    private static final InetAddress NO_DESTINATION = InetAddress.getLoopbackAddress();

    private final ReentrantLock schedLock = new ReentrantLock();
    private final StatsCounters stats = new StatsCounters();

    private volatile ServiceConfig config;
    private volatile List<Dest> dests = List.of();
    /** {@link #dests} with the numbers the schedulers scan laid out flat; rebuilt with the list. */
    private volatile DestArray array = DestArray.EMPTY;
    private volatile boolean removed;
    private Scheduler scheduler; // guarded by schedLock
    private final ScheduleContext context = new ScheduleContext(); // guarded by schedLock, refilled per decision

    VirtualService(ServiceConfig config, Scheduler scheduler) {
        this.config = config;
        this.scheduler = scheduler;
        scheduler.initService(dests);
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

    /** {@link #dests()} with the numbers the schedulers scan laid out flat. */
    DestArray array() {
        return array;
    }

    /** True once the service was deleted or flushed. */
    public boolean removed() {
        return removed;
    }

    public Stats stats() {
        return stats.snapshot();
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
     * Allocates nothing apart from what a caching scheduler (lblc, lblcr) stores when its cache changes.
     */
    public Dest schedule(InetAddress clientAddress, int clientPort, InetAddress destinationAddress) {
        schedLock.lock();
        try {
            if (removed) {
                return null;
            }
            ServiceConfig c = config;
            return scheduler.schedule(context.fill(this, dests, array, clientAddress, clientPort,
                    destinationAddress != null ? destinationAddress : NO_DESTINATION, c.schedFlags()));
        } finally {
            schedLock.unlock();
        }
    }

    /** The live destination with this address and port, or null. */
    public Dest findDest(RealServerConfig endpoint) {
        for (Dest d : dests) {
            if (d.config().sameEndpoint(endpoint)) {
                return d;
            }
        }
        return null;
    }

    // ---- writer side: called by the rule table only ----

    public Rates rates() {
        return stats.rates();
    }

    /** Takes one estimator sample for the service and each of its real servers. */
    void estimateRates() {
        stats.estimate();
        for (Dest d : dests) d.estimateRates();
    }

    StatsCounters statsCounters() {
        return stats;
    }

    void zero() {
        stats.reset();
        for (Dest d : dests) {
            d.zero();
        }
    }

    /** Full replacement of the settings; the scheduler is re-bound only when its name changed. */
    void edit(ServiceConfig newConfig, Scheduler newSchedulerOrNull) {
        schedLock.lock();
        try {
            config = newConfig;
            if (newSchedulerOrNull != null) {
                scheduler.doneService();
                scheduler = newSchedulerOrNull;
                scheduler.initService(dests);
            }
        } finally {
            schedLock.unlock();
        }
    }

    /** Runs {@code probe} on the bound scheduler under the service lock (diagnostics and tests). */
    public <T> T inspectScheduler(java.util.function.Function<Scheduler, T> probe) {
        schedLock.lock();
        try {
            return probe.apply(scheduler);
        } finally {
            schedLock.unlock();
        }
    }

    String schedulerName() {
        schedLock.lock();
        try {
            return scheduler.name();
        } finally {
            schedLock.unlock();
        }
    }

    void addAtHead(Dest dest, RealServerConfig newConfig) {
        schedLock.lock();
        try {
            dest.rebind(this);
            dest.update(newConfig, true);
            List<Dest> next = new ArrayList<>(dests.size() + 1);
            next.add(dest);
            next.addAll(dests);
            dests = List.copyOf(next);
            placeAll();
            scheduler.addDest(dests, dest);
        } finally {
            schedLock.unlock();
        }
    }

    void editDest(Dest dest, RealServerConfig newConfig) {
        schedLock.lock();
        try {
            dest.update(newConfig, false);
            scheduler.updDest(dests, dest);
        } finally {
            schedLock.unlock();
        }
    }

    void removeDest(Dest dest) {
        schedLock.lock();
        try {
            int index = dests.indexOf(dest);
            List<Dest> next = new ArrayList<>(dests);
            next.remove(index);
            dests = List.copyOf(next);
            placeAll();
            dest.placeAt(null);
            dest.markUnavailable();
            scheduler.delDest(dests, dest, index);
        } finally {
            schedLock.unlock();
        }
    }

    /** Deletes the service: the scheduler is unbound first and no del hook runs for the servers (as the kernel). */
    List<Dest> remove() {
        schedLock.lock();
        try {
            List<Dest> old = dests;
            scheduler.doneService();
            removed = true;
            dests = List.of();
            array = DestArray.EMPTY;
            for (Dest d : old) {
                d.placeAt(null);
                d.markUnavailable();
            }
            return old;
        } finally {
            schedLock.unlock();
        }
    }

    /** Lays the current list out flat and points every Dest at its new position (under the lock). */
    private void placeAll() {
        DestArray next = new DestArray(dests);
        for (int i = 0; i < next.size(); i++) {
            next.dest(i).placeAt(new DestArray.Placement(next, i));
        }
        array = next;
    }

    @Override
    public String toString() {
        return "VirtualService[" + config.key() + "]";
    }
}

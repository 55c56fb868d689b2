package dev.jvs.director.rules;

import dev.jvs.director.sched.ScheduleContext;
import dev.jvs.director.sched.Scheduler;
import dev.jvs.model.RealServerConfig;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * What lives as long as one kernel service, across the immutable {@link VirtualService} snapshots of it: its
 * traffic counters and its bound scheduler, with the destination list that scheduler was last told about.
 *
 * <p>The scheduler is driven under {@link #lock}: the data paths take it for one decision, the rule-table writer
 * holds it for a whole batch while it replays the batch's hooks, so a decision sees the service before or after
 * a batch, never in between. A core deleted by a batch that also re-creates its key (a restore: {@code -C} and
 * the same table again) hands decisions to the new core, so a connection that looked the service up just before
 * the batch is still scheduled instead of refused.
 */
final class ServiceCore {

    /** Keys dh/lblc when a fwmark service is scheduled without the packet's destination (never the NAT path). */
    private static final InetAddress NO_DESTINATION = InetAddress.getLoopbackAddress();

    final ReentrantLock lock = new ReentrantLock();
    final StatsCounters stats = new StatsCounters();
    private final ScheduleContext context = new ScheduleContext(); // guarded by lock, refilled per decision

    // guarded by lock
    private Scheduler scheduler;
    private List<Dest> dests = List.of();
    /** {@link #dests} with the numbers the schedulers scan laid out flat; rebuilt with the list. */
    private DestArray array = DestArray.EMPTY;
    private int schedFlags;
    private boolean removed;
    private ServiceCore successor;

    /** The newest snapshot of this service (for {@link Dest#service()}); set by the writer before publishing. */
    volatile VirtualService current;

    ServiceCore(Scheduler scheduler, int schedFlags) {
        this.scheduler = scheduler;
        this.schedFlags = schedFlags;
        scheduler.initService(dests);
    }

    /** Runs the scheduler alone; null when no destination can take the connection or the service is gone. */
    Dest schedule(InetAddress clientAddress, int clientPort, InetAddress destinationAddress) {
        InetAddress destination = destinationAddress != null ? destinationAddress : NO_DESTINATION;
        ServiceCore core = this;
        while (core != null) {
            ServiceCore next;
            core.lock.lock();
            try {
                if (!core.removed) {
                    return core.scheduler.schedule(core.context.fill(core.dests, core.array, clientAddress, clientPort,
                            destination, core.schedFlags));
                }
                next = core.successor;
            } finally {
                core.lock.unlock();
            }
            core = next;
        }
        return null;
    }

    DestArray array() {
        lock.lock();
        try {
            return array;
        } finally {
            lock.unlock();
        }
    }

    boolean removed() {
        lock.lock();
        try {
            return removed;
        } finally {
            lock.unlock();
        }
    }

    <T> T inspectScheduler(Function<Scheduler, T> probe) {
        lock.lock();
        try {
            return probe.apply(scheduler);
        } finally {
            lock.unlock();
        }
    }

    // ---- the writer's hooks, replayed in batch order with the lock held (see Draft.commit) ----

    void schedFlags(int flags) {
        schedFlags = flags;
    }

    /** Same scheduler name = same kernel module: no re-init, its state survives; otherwise a fresh one. */
    void rebindScheduler(Scheduler replacement) {
        scheduler.doneService();
        scheduler = replacement;
        scheduler.initService(dests);
    }

    void addAtHead(Dest dest, RealServerConfig config) {
        dest.rebind(this);
        dest.update(config, true);
        List<Dest> next = new ArrayList<>(dests.size() + 1);
        next.add(dest);
        next.addAll(dests);
        dests = List.copyOf(next);
        placeAll();
        scheduler.addDest(dests, dest);
    }

    void editDest(Dest dest, RealServerConfig config) {
        dest.update(config, false);
        scheduler.updDest(dests, dest);
    }

    void removeDest(Dest dest) {
        int index = dests.indexOf(dest);
        List<Dest> next = new ArrayList<>(dests);
        next.remove(index);
        dests = List.copyOf(next);
        placeAll();
        dest.placeAt(null);
        scheduler.delDest(dests, dest, index);
    }

    /** Deleted: the scheduler is unbound and no del hook runs for the servers, as in the kernel. */
    void retire() {
        scheduler.doneService();
        removed = true;
        for (Dest d : dests) d.placeAt(null);
        dests = List.of();
        array = DestArray.EMPTY;
    }

    /** Lays the current list out flat and points every Dest at its new position (under the lock). */
    private void placeAll() {
        DestArray next = new DestArray(dests);
        for (int i = 0; i < next.size(); i++) {
            next.dest(i).placeAt(new DestArray.Placement(next, i));
        }
        array = next;
    }

    /** Decisions asked of this retired core go to {@code next} (the service of the same key in the new table). */
    void handOver(ServiceCore next) {
        successor = next;
    }

    void zero() {
        stats.reset();
        for (Dest d : dests) d.zero();
    }
}

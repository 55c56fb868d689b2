package dev.jvs.director.rules;

import dev.jvs.director.sched.Scheduler;
import dev.jvs.director.sched.Schedulers;
import java.util.OptionalLong;
import dev.jvs.model.Command;
import dev.jvs.model.CommandKind;
import dev.jvs.model.IpvsadmException;
import dev.jvs.model.RealServerConfig;
import dev.jvs.model.RealServerView;
import dev.jvs.model.ServiceConfig;
import dev.jvs.model.ServiceKey;
import dev.jvs.model.ServiceView;
import dev.jvs.model.TableView;
import dev.jvs.model.Timeouts;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The single source of truth for virtual services and real servers. One writer at a time applies whole
 * batches; readers get immutable snapshots through a volatile field and never lock.
 *
 * <p>A batch is first played on a {@link Draft}; only if every command succeeds there is it replayed on the live
 * objects, one command at a time as the kernel would run them (so the scheduler hooks see the same history).
 */
public final class RuleTable {

    /** The kernel frees a trashed destination after it has been idle for a full trash period (120 s). */
    static final long TRASH_PERIOD_NANOS = TimeUnit.SECONDS.toNanos(120);

    private record Snapshot(List<VirtualService> services, Map<ServiceKey, VirtualService> byKey) {
        static final Snapshot EMPTY = new Snapshot(List.of(), Map.of());
    }

    private record TrashKey(ServiceKey service, InetAddress address, int port) {
        static TrashKey of(ServiceKey service, RealServerConfig server) {
            return new TrashKey(service, server.address(), server.port());
        }
    }

    private final Object writeLock = new Object();
    private final LongSupplier nanoClock;
    private final Schedulers schedulers;
    private final List<RuleListener> listeners = new CopyOnWriteArrayList<>();
    private final Map<TrashKey, Dest> trash = new HashMap<>(); // writer only

    private volatile Snapshot snapshot = Snapshot.EMPTY;
    private volatile Timeouts timeouts = Timeouts.KERNEL_DEFAULTS;

    public RuleTable() {
        this(System::nanoTime);
    }

    /** @param nanoClock monotonic clock used to age the trash of deleted destinations and scheduler caches */
    public RuleTable(LongSupplier nanoClock) {
        this(nanoClock, new Schedulers(nanoClock, OptionalLong.empty()));
    }

    /** @param schedulers where scheduler names become instances (clock and twos seed) */
    public RuleTable(LongSupplier nanoClock, Schedulers schedulers) {
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        this.schedulers = Objects.requireNonNull(schedulers, "schedulers");
    }

    // ---------------------------------------------------------------- readers

    /** Current services in creation order; immutable. */
    public List<VirtualService> services() {
        return snapshot.services;
    }

    public VirtualService find(ServiceKey key) {
        return snapshot.byKey.get(key);
    }

    public Timeouts timeouts() {
        return timeouts;
    }

    /**
     * Takes one rate-estimator sample of every service and real server; the director calls it every
     * {@value StatsCounters#ESTIMATION_PERIOD_SECONDS} seconds, as IPVS's estimator runs.
     */
    public void estimateRates() {
        for (VirtualService vs : services()) vs.estimateRates();
    }

    /** A copy for listings and saving: configs, live counters, stats and rates. */
    public TableView view(int connTableSize) {
        List<VirtualService> services = snapshot.services;
        List<ServiceView> views = new ArrayList<>(services.size());
        for (VirtualService vs : services) {
            List<Dest> dests = vs.dests();
            List<RealServerView> servers = new ArrayList<>(dests.size());
            for (Dest d : dests) {
                servers.add(new RealServerView(d.config(), d.activeConns(), d.inactiveConns(), d.persistConns(),
                        d.stats(), d.rates()));
            }
            views.add(new ServiceView(vs.config(), vs.stats(), vs.rates(), servers));
        }
        return new TableView(connTableSize, views, timeouts);
    }

    public void addListener(RuleListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    // ---------------------------------------------------------------- the writer

    /**
     * Applies all commands or none.
     *
     * @throws BatchException           a command failed as the kernel would fail it; the table is unchanged
     * @throws IllegalArgumentException a command this table does not handle (daemon, list, ...) or lacks its
     *                                  arguments; the table is unchanged
     */
    public void apply(List<Command> batch) throws BatchException {
        synchronized (writeLock) {
            Draft draft = Draft.of(snapshot.services);
            for (int i = 0; i < batch.size(); i++) {
                try {
                    draft.apply(batch.get(i));
                } catch (IpvsadmException e) {
                    throw new BatchException(i, e);
                }
            }
            reclaimTrash();
            for (Command c : batch) {
                replay(c);
            }
            List<VirtualService> services = snapshot.services;
            for (RuleListener listener : listeners) {
                listener.rulesChanged(services);
            }
        }
    }

    private void replay(Command c) {
        switch (c.kind()) {
            case ADD_SERVICE -> addService(c.service());
            case EDIT_SERVICE -> editService(c.service());
            case DELETE_SERVICE -> deleteService(c.serviceKey());
            case FLUSH -> {
                for (VirtualService vs : snapshot.services) {
                    retire(vs);
                }
                snapshot = Snapshot.EMPTY;
            }
            case ADD_SERVER -> addServer(live(c.serviceKey()), c.server());
            case EDIT_SERVER -> {
                VirtualService vs = live(c.serviceKey());
                vs.editDest(vs.findDest(c.server()), c.server());
            }
            case DELETE_SERVER -> {
                VirtualService vs = live(c.serviceKey());
                Dest dest = vs.findDest(c.server());
                vs.removeDest(dest);
                toTrash(vs.key(), dest);
            }
            case ZERO -> {
                if (c.serviceKey() == null) {
                    snapshot.services.forEach(VirtualService::zero);
                } else {
                    live(c.serviceKey()).zero();
                }
            }
            case SET -> timeouts = timeouts.merge(c.timeouts());
            default -> throw new IllegalStateException("validated batch holds " + c.kind());
        }
    }

    private void addService(ServiceConfig config) {
        VirtualService vs = new VirtualService(config, schedulers.newScheduler(config.scheduler()));
        List<VirtualService> services = new ArrayList<>(snapshot.services);
        services.add(vs);
        publish(services);
    }

    private void editService(ServiceConfig config) {
        VirtualService vs = live(config.key());
        // Same scheduler name = same kernel module: no re-init, its state (e.g. wrr's cw) survives.
        Scheduler replacement = config.scheduler().equals(vs.schedulerName())
                ? null : schedulers.newScheduler(config.scheduler());
        vs.edit(config, replacement);
    }

    private void deleteService(ServiceKey key) {
        VirtualService vs = live(key);
        retire(vs);
        List<VirtualService> services = new ArrayList<>(snapshot.services);
        services.remove(vs);
        publish(services);
    }

    private void retire(VirtualService vs) {
        for (Dest d : vs.remove()) {
            toTrash(vs.key(), d);
        }
    }

    private void addServer(VirtualService vs, RealServerConfig config) {
        Dest dest = trash.remove(TrashKey.of(vs.key(), config));
        if (dest == null) {
            dest = new Dest(vs, config);
        }
        dest.idleSinceNanos = 0;
        vs.addAtHead(dest, config);
    }

    private void toTrash(ServiceKey key, Dest dest) {
        dest.idleSinceNanos = 0;
        trash.put(TrashKey.of(key, dest.config()), dest);
    }

    /**
     * Frees trashed destinations that nothing references any more: the first pass that sees one idle stamps
     * it, a pass at least a trash period later drops it (as the kernel's periodic trash timer does).
     */
    private void reclaimTrash() {
        long now = nanoClock.getAsLong();
        for (Iterator<Dest> it = trash.values().iterator(); it.hasNext(); ) {
            Dest d = it.next();
            if (!d.idle()) {
                d.idleSinceNanos = 0;
            } else if (d.idleSinceNanos == 0) {
                d.idleSinceNanos = now == 0 ? 1 : now;
            } else if (now - d.idleSinceNanos >= TRASH_PERIOD_NANOS) {
                it.remove();
            }
        }
    }

    /** Lets the daemon age the trash when no batches arrive. */
    public void reclaimTrashNow() {
        synchronized (writeLock) {
            reclaimTrash();
        }
    }

    int trashSize() {
        synchronized (writeLock) {
            return trash.size();
        }
    }

    private VirtualService live(ServiceKey key) {
        return snapshot.byKey.get(key);
    }

    private void publish(List<VirtualService> services) {
        Map<ServiceKey, VirtualService> byKey = new LinkedHashMap<>();
        for (VirtualService vs : services) {
            byKey.put(vs.key(), vs);
        }
        snapshot = new Snapshot(List.copyOf(services), Map.copyOf(byKey));
    }

    /** The command kinds {@link #apply} accepts. */
    public static boolean handles(CommandKind kind) {
        return switch (kind) {
            case ADD_SERVICE, EDIT_SERVICE, DELETE_SERVICE, FLUSH, ADD_SERVER, EDIT_SERVER, DELETE_SERVER, ZERO, SET ->
                    true;
            default -> false;
        };
    }
}

package dev.jvs.director.rules;

import dev.jvs.director.sched.Schedulers;
import dev.jvs.model.Command.RuleChange;
import dev.jvs.model.IpvsadmException;
import dev.jvs.model.RealServerView;
import dev.jvs.model.ServiceKey;
import dev.jvs.model.ServiceView;
import dev.jvs.model.TableView;
import dev.jvs.model.Timeouts;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The single source of truth for virtual services and real servers. One writer at a time turns a whole batch into
 * the next table on a {@link Draft} (copy-on-write) and publishes it with one volatile write; readers get
 * immutable snapshots and never lock, and never see part of a batch. Subscribers hear about each new table on
 * their own thread, after the writer has let go.
 */
public final class RuleTable {

    /** The kernel frees a trashed destination after it has been idle for a full trash period (120 s). */
    static final long TRASH_PERIOD_NANOS = TimeUnit.SECONDS.toNanos(120);

    /**
     * One published table. {@code version} counts batches, so subscribers can say how far they have got;
     * {@code listenerSockets} is what the {@link ListenerBudget} counted for it.
     */
    private record Snapshot(List<VirtualService> services, Map<ServiceKey, VirtualService> byKey, Timeouts timeouts,
                            long version, long listenerSockets) {
        static final Snapshot EMPTY = new Snapshot(List.of(), Map.of(), Timeouts.KERNEL_DEFAULTS, 0, 0);

        static Snapshot of(List<VirtualService> services, Timeouts timeouts, long version, long listenerSockets) {
            Map<ServiceKey, VirtualService> byKey = new HashMap<>();
            for (VirtualService vs : services) byKey.put(vs.key(), vs);
            return new Snapshot(services, Map.copyOf(byKey), timeouts, version, listenerSockets);
        }
    }

    private final Object writeLock = new Object();
    private final LongSupplier nanoClock;
    private final Schedulers schedulers;
    private final ListenerBudget budget;
    private final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();
    private Map<Draft.TrashKey, Dest> trash = new HashMap<>(); // writer only

    private volatile Snapshot snapshot = Snapshot.EMPTY;

    public RuleTable() {
        this(System::nanoTime);
    }

    /** @param nanoClock monotonic clock used to age the trash of deleted destinations and scheduler caches */
    public RuleTable(LongSupplier nanoClock) {
        this(nanoClock, new Schedulers(nanoClock, OptionalLong.empty()));
    }

    /** @param schedulers where scheduler names become instances (clock and twos seed) */
    public RuleTable(LongSupplier nanoClock, Schedulers schedulers) {
        this(nanoClock, schedulers, ListenerBudget.UNLIMITED);
    }

    /** @param budget the listening sockets the table may ask for; a batch that would need more is refused */
    public RuleTable(LongSupplier nanoClock, Schedulers schedulers, ListenerBudget budget) {
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        this.schedulers = Objects.requireNonNull(schedulers, "schedulers");
        this.budget = Objects.requireNonNull(budget, "budget");
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
        return snapshot.timeouts;
    }

    /** How many batches have been published; {@link #awaitDataPaths} takes it. */
    public long version() {
        return snapshot.version;
    }

    /**
     * Takes one rate-estimator sample of every service and real server; the director calls it every
     * {@value StatsCounters#ESTIMATION_PERIOD_SECONDS} seconds, as IPVS's estimator runs.
     */
    public void estimateRates() {
        for (VirtualService vs : services()) vs.estimateRates();
    }

    /** A copy for listings and saving: configs, live counters, stats and rates, all from one snapshot. */
    public TableView view(int connTableSize) {
        Snapshot s = snapshot;
        List<ServiceView> views = new ArrayList<>(s.services.size());
        for (VirtualService vs : s.services) {
            List<Dest> dests = vs.dests();
            List<RealServerView> servers = new ArrayList<>(dests.size());
            for (Dest d : dests) {
                servers.add(new RealServerView(d.config(), d.activeConns(), d.inactiveConns(), d.persistConns(),
                        d.stats(), d.rates()));
            }
            views.add(new ServiceView(vs.config(), vs.stats(), vs.rates(), servers));
        }
        return new TableView(connTableSize, views, s.timeouts);
    }

    /**
     * Subscribes {@code listener}: on a thread of its own (named after {@code name}) it gets the current table at
     * once, then every newer one in order; tables published while it is busy are coalesced into the newest.
     * Nobody waits for it.
     */
    public Subscription subscribe(String name, RuleListener listener) {
        return subscribe(name, listener, false);
    }

    /**
     * Subscribes a data path (NAT listeners, packet path): as {@link #subscribe}, and {@link #awaitDataPaths}
     * waits for it, so that {@code ipvsadm} can return once a change carries traffic, as with the kernel.
     */
    public Subscription subscribeDataPath(String name, RuleListener listener) {
        return subscribe(name, listener, true);
    }

    private Subscription subscribe(String name, RuleListener listener, boolean dataPath) {
        Objects.requireNonNull(listener, "listener");
        synchronized (writeLock) {
            Snapshot s = snapshot;
            Subscription subscription = new Subscription(name, listener, s.services, s.version, dataPath);
            subscriptions.add(subscription);
            return subscription;
        }
    }

    /** Ends a subscription (shutdown). */
    public void unsubscribe(Subscription subscription) {
        subscriptions.remove(subscription);
        subscription.close();
    }

    /**
     * Waits, at most {@code timeoutMillis} in all, until every data-path subscriber has finished with table
     * {@code version}; true if they all have. Other subscribers are never waited for.
     */
    public boolean awaitDataPaths(long version, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        for (Subscription s : subscriptions) {
            if (!s.dataPath()) continue;
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0 || !s.awaitDelivered(version, left)) return false;
        }
        return true;
    }

    /**
     * What the data paths say keeps them from carrying these services (see {@link RuleListener#problem}), one
     * message per service and data path, in the order of {@code keys}; empty when there is nothing to say.
     */
    public List<String> dataPathProblems(Collection<ServiceKey> keys) {
        List<String> problems = new ArrayList<>();
        for (ServiceKey key : keys) {
            for (Subscription s : subscriptions) {
                String problem = s.dataPath() ? s.problem(key) : null;
                if (problem != null) problems.add(problem);
            }
        }
        return problems;
    }

    // ---------------------------------------------------------------- the writer

    /**
     * Applies all commands or none, and publishes the result once.
     *
     * @throws BatchException a command failed as the kernel would fail it, or the table would need more listening
     *                        sockets than its budget allows; the table is unchanged
     */
    public void apply(List<? extends RuleChange> batch) throws BatchException {
        synchronized (writeLock) {
            reclaimTrash();
            Snapshot current = snapshot;
            Draft draft = new Draft(current.services, current.timeouts, trash, schedulers);
            for (int i = 0; i < batch.size(); i++) {
                try {
                    draft.apply(batch.get(i));
                } catch (IpvsadmException e) {
                    throw new BatchException(i, e);
                }
            }
            long sockets = budget == ListenerBudget.UNLIMITED ? 0 : draft.listenerSockets(budget);
            if (sockets > budget.allowed() && sockets > current.listenerSockets) {
                throw new BatchException(BatchException.WHOLE_BATCH, budget.refusal(sockets));
            }
            long version = current.version + 1;
            draft.commit(services -> snapshot = Snapshot.of(services, draft.timeouts(), version, sockets));
            trash = draft.trash();
            for (Subscription s : subscriptions) s.offer(snapshot.services, version);
        }
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
}

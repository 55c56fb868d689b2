package dev.jvs.director.vrrp;

import dev.jvs.director.vrrp.VrrpStateMachine.State;
import dev.jvs.os.AddressAnnouncer;
import dev.jvs.os.InterfaceAddresses;
import dev.jvs.os.VrrpSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The director's VRRP subsystem (keepalived's VRRP process): every configured instance, the
 * scripts they track and their sync groups, on one event thread.
 */
public final class VrrpService implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(VrrpService.class);
    private static final long TICK_MILLIS = 5;
    private static final long TRACKER_MILLIS = 500;

    private final VrrpConfig config;
    private final ScheduledExecutorService events = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "vrrp");
        t.setDaemon(true);
        return t;
    });
    private final ScheduledExecutorService scriptThreads;
    private final Notifier notifier = new Notifier();
    private final List<VrrpInstance> instances = new ArrayList<>();
    private final Map<String, TrackedScriptRunner> scripts = new HashMap<>();

    public VrrpService(VrrpConfig config, VrrpSocket.Opener opener, InterfaceAddresses addresses, AddressAnnouncer announcer) {
        this.config = config;
        for (VrrpScriptConfig s : config.scripts()) {
            scripts.put(s.name(), new TrackedScriptRunner(s, () -> events.execute(this::refreshTrackers)));
        }
        this.scriptThreads = Executors.newScheduledThreadPool(Math.max(1, scripts.size()), r -> {
            Thread t = new Thread(r, "vrrp-script");
            t.setDaemon(true);
            return t;
        });
        for (VrrpInstanceConfig c : config.instances()) {
            VrrpSyncGroupConfig group = groupOf(c.name());
            instances.add(new VrrpInstance(c, events, opener, addresses, announcer, notifier, scripts,
                    group == null ? List.of() : group.trackInterfaces(), group == null ? List.of() : group.trackScripts()));
        }
    }

    /** The real thing: raw sockets, ip addr, GARP/NA. */
    public static VrrpService system(VrrpConfig config) {
        return new VrrpService(config, VrrpSocket::openRaw, InterfaceAddresses.system(), AddressAnnouncer.system());
    }

    private VrrpSyncGroupConfig groupOf(String instance) {
        return config.syncGroups().stream().filter(g -> g.members().contains(instance)).findFirst().orElse(null);
    }

    public List<VrrpInstance> instances() { return List.copyOf(instances); }

    /**
     * Calls {@code listener} with each state {@code instance} enters, on the VRRP event thread. Register before
     * {@link #start()}, which the first state change follows.
     *
     * @throws IllegalArgumentException if there is no such instance
     */
    public void onStateChange(String instance, Consumer<State> listener) {
        instances.stream().filter(i -> i.name().equals(instance)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no vrrp_instance named " + instance))
                .onStateChange(listener);
    }

    public void start() throws IOException {
        for (var warning : config.warnings()) log.warn("vrrp config: {}", warning);
        // Only scripts some instance or group tracks are run, as in keepalived.
        for (TrackedScriptRunner r : scripts.values()) {
            boolean tracked = config.instances().stream().anyMatch(i -> i.trackScripts().stream().anyMatch(t -> t.name().equals(r.config().name())))
                    || config.syncGroups().stream().anyMatch(g -> g.trackScripts().stream().anyMatch(t -> t.name().equals(r.config().name())));
            if (tracked) r.start(scriptThreads);
        }
        try {
            events.submit(() -> {
                for (VrrpInstance i : instances) {
                    wireSyncGroup(i);
                    i.start();
                }
                return null;
            }).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting VRRP");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) throw io;
            throw new IOException(e.getCause());
        }
        events.scheduleAtFixedRate(() -> instances.forEach(VrrpInstance::tick), TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
        events.scheduleAtFixedRate(this::refreshTrackers, TRACKER_MILLIS, TRACKER_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void refreshTrackers() {
        instances.forEach(VrrpInstance::refreshTrackers);
        applySyncGroupFaults();
    }

    /**
     * A sync group moves together: one member's FAULT is everyone's; a member becomes MASTER only when
     * every other member wants MASTER too, and then they all do; one falling back to BACKUP takes the rest.
     */
    private void wireSyncGroup(VrrpInstance instance) {
        VrrpSyncGroupConfig group = groupOf(instance.name());
        if (group == null) return;
        List<VrrpInstance> members = instances.stream().filter(i -> group.members().contains(i.name())).toList();
        instance.masterGate(() -> members.stream()
                .allMatch(m -> m == instance || m.machine() == null || m.machine().wantsMaster()));
        instance.onStateChange(state -> {
            if (state == State.MASTER) {
                members.stream().filter(m -> m != instance && m.machine() != null).forEach(m -> m.machine().forceMaster());
                notifier.run(group.notifyMaster());
            } else if (state == State.BACKUP) {
                members.stream().filter(m -> m != instance && m.machine() != null).forEach(m -> m.machine().forceBackup());
                notifier.run(group.notifyBackup());
            } else if (state == State.FAULT) {
                notifier.run(group.notifyFault());
            } else if (state == State.STOP) {
                notifier.run(group.notifyStop());
            }
            if (state != State.INIT) notifier.run(group.notifyAny(), "GROUP", group.name(), state.name(), "0");
        });
    }

    private void applySyncGroupFaults() {
        for (VrrpSyncGroupConfig group : config.syncGroups()) {
            List<VrrpInstance> members = instances.stream().filter(i -> group.members().contains(i.name())).toList();
            boolean anyFault = members.stream().anyMatch(m -> m.machine() != null && m.computeFault());
            for (VrrpInstance m : members) if (m.machine() != null) m.machine().setFault(anyFault || m.computeFault());
        }
    }

    /** Priority 0 from every master, VIPs removed, STOP notified; then threads end. */
    @Override
    public void close() {
        try {
            events.submit(() -> instances.forEach(VrrpInstance::stop)).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("VRRP shutdown: {}", e.toString());
        }
        events.shutdownNow();
        scriptThreads.shutdownNow();
        for (VrrpInstance i : instances) {
            try {
                i.joinReceiver();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        notifier.close();
        log.info("VRRP stopped");
    }
}

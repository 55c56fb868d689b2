package dev.jvs.director.vrrp;

import dev.jvs.director.vrrp.VrrpStateMachine.State;
import dev.jvs.os.AddressAnnouncer;
import dev.jvs.os.InterfaceAddresses;
import dev.jvs.os.VrrpSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;

/**
 * One running {@code vrrp_instance}: its socket, its state machine, the VIPs it added, its
 * trackers and notifications. All state-machine calls happen on the shared VRRP event thread.
 */
public final class VrrpInstance implements VrrpStateMachine.Actions {

    private final java.util.concurrent.atomic.AtomicLong transitions = new java.util.concurrent.atomic.AtomicLong();

    private static final Logger log = LoggerFactory.getLogger(VrrpInstance.class);

    private final VrrpInstanceConfig config;
    private final ScheduledExecutorService events;
    private final VrrpSocket.Opener opener;
    private final InterfaceAddresses addresses;
    private final AddressAnnouncer announcer;
    private final Notifier notifier;
    private final Map<String, TrackedScriptRunner> scripts;
    private final List<TrackedScript> trackedScripts;
    private final List<TrackedInterface> trackedInterfaces;
    private final Set<VirtualIpAddress> addedByUs = new LinkedHashSet<>();
    private Consumer<State> stateListener = s -> { };
    private java.util.function.BooleanSupplier masterGate = () -> true;

    private InetAddress source;
    private VrrpSocket socket;
    private AdvertValidator validator;
    private VrrpStateMachine machine;
    private Thread receiver;
    private volatile boolean running;
    /** When the last "dropping advert" warning was logged: a flood of bad packets logs once a second. */
    private long lastDropLogNanos = System.nanoTime() - DROP_LOG_NANOS;
    private static final long DROP_LOG_NANOS = 1_000_000_000L;
    private final byte[] authData;

    VrrpInstance(VrrpInstanceConfig config, ScheduledExecutorService events, VrrpSocket.Opener opener,
                 InterfaceAddresses addresses, AddressAnnouncer announcer, Notifier notifier,
                 Map<String, TrackedScriptRunner> scripts, List<TrackedInterface> groupInterfaces,
                 List<TrackedScript> groupScripts) {
        this.config = config;
        this.events = events;
        this.opener = opener;
        this.addresses = addresses;
        this.announcer = announcer;
        this.notifier = notifier;
        this.scripts = scripts;
        this.trackedInterfaces = new ArrayList<>(config.trackInterfaces());
        this.trackedInterfaces.addAll(groupInterfaces);
        this.trackedScripts = new ArrayList<>(config.trackScripts());
        this.trackedScripts.addAll(groupScripts);
        this.authData = VrrpPacket.passwordBytes(config.authPass());
    }

    public VrrpInstanceConfig config() { return config; }

    public String name() { return config.name(); }

    /** Current state; call on the event thread (or accept a slightly stale answer). */
    public State state() { return machine == null ? State.INIT : machine.state(); }

    VrrpStateMachine machine() { return machine; }

    /** State changes since start (metrics). */
    public long transitions() { return transitions.get(); }

    /** Received adverts this instance dropped as invalid (malformed, bad checksum, auth, TTL ...) since it started. */
    public long droppedAdverts() { return validator == null ? 0 : validator.dropped(); }

    /** Adds a listener for state changes (called on the event thread, after the notify scripts started). */
    void onStateChange(Consumer<State> listener) { this.stateListener = stateListener.andThen(listener); }

    /** A sync group's rule: MASTER only when every other member wants MASTER too. */
    void masterGate(java.util.function.BooleanSupplier gate) { this.masterGate = gate; }

    /** Opens the socket and starts listening; call on the event thread. */
    void start() throws IOException {
        Set<InetAddress> vips = new HashSet<>();
        config.virtualIpAddresses().forEach(v -> vips.add(v.address()));
        source = config.unicastSource() != null ? config.unicastSource()
                : addresses.primaryAddress(config.interfaceName(), config.ipv6(), vips);
        if (source == null) {
            throw new IOException("VRRP_Instance(" + name() + "): interface " + config.interfaceName()
                    + " has no " + (config.ipv6() ? "IPv6 link-local" : "IPv4") + " address to send from");
        }
        socket = opener.open(config.interfaceName(), source, config.unicast() ? null : config.multicastGroup(), 255);
        validator = new AdvertValidator(config.version(), config.virtualRouterId(), config.authType(), authData,
                config.advertIntervalCentis(), config.unicast(), config.ipv6(), config.v3ChecksumAsV2(),
                config.checkUnicastSrc() ? new HashSet<>(config.unicastPeers()) : Set.of(),
                config.virtualIpAddresses().stream().map(VirtualIpAddress::address).toList());
        machine = new VrrpStateMachine(settings(), this, System::nanoTime);
        machine.setMasterAllowed(masterGate);
        machine.setFault(computeFault());
        machine.setPriority(effectivePriority());
        running = true;
        receiver = new Thread(this::receiveLoop, "vrrp-rx-" + name());
        receiver.setDaemon(true);
        receiver.start();
        log.info("VRRP_Instance({}) starting: VRID {} v{} priority {} on {} from {} to {}", name(),
                config.virtualRouterId(), config.version(), config.priority(), config.interfaceName(),
                source.getHostAddress(), config.unicast() ? "peers " + config.unicastPeers() : config.multicastGroup().getHostAddress());
        machine.start();
    }

    private VrrpStateMachine.Settings settings() {
        return new VrrpStateMachine.Settings(config.version(), config.priority(), config.advertIntervalCentis(),
                config.wantsMaster(), config.nopreempt(), config.preemptDelayMillis(), config.downTimerAdverts(),
                config.lowerPrioNoAdvert(), config.garpMasterDelayMillis(), config.garpMasterRepeat(),
                config.garpMasterRefreshMillis(), config.garpMasterRefreshRepeat(), config.garpLowerPrioRepeat(), source);
    }

    private void receiveLoop() {
        while (running) {
            try {
                VrrpSocket.Received r = socket.receive();
                if (r == null || r.source().equals(source)) continue; // timeout, or our own advert looped back
                AdvertValidator.Verdict v = validator.check(new ReceivedAdvert(r.payload(), r.source(), r.destination(), r.ttl()));
                if (v.accepted()) {
                    events.execute(() -> { if (running) machine.onAdvert(v.packet(), r.source()); });
                } else if (!v.otherRouter() && System.nanoTime() - lastDropLogNanos >= DROP_LOG_NANOS) {
                    lastDropLogNanos = System.nanoTime();
                    log.warn("VRRP_Instance({}) dropping advert from {}: {} ({} adverts dropped so far)", name(),
                            r.source().getHostAddress(), v.rejection(), validator.dropped());
                }
            } catch (IOException e) {
                if (running) log.warn("VRRP_Instance({}) receive error: {}", name(), e.getMessage());
            }
        }
    }

    /** Timers; called every few milliseconds on the event thread. */
    void tick() {
        if (machine != null && running) machine.tick();
    }

    /** Re-evaluates interfaces and scripts; on the event thread. */
    void refreshTrackers() {
        if (machine == null || !running) return;
        machine.setFault(computeFault());
        int before = machine.priority();
        machine.setPriority(effectivePriority());
        if (machine.priority() != before) {
            log.info("VRRP_Instance({}) Changing effective priority from {} to {}", name(), before, machine.priority());
        }
    }

    boolean computeFault() {
        if (!config.dontTrackPrimary() && config.interfaceName() != null && !addresses.isUp(config.interfaceName())) return true;
        for (TrackedInterface t : trackedInterfaces) {
            if (t.weight() == 0 && !addresses.isUp(t.name())) return true;
        }
        for (TrackedScript t : trackedScripts) {
            TrackedScriptRunner r = scripts.get(t.name());
            if (r == null) continue;
            int weight = t.weight() != null ? t.weight() : r.config().weight();
            if (weight == 0 && !Boolean.TRUE.equals(r.ok())) return true; // also while it has not reported yet
        }
        return false;
    }

    int effectivePriority() {
        int priority = config.priority();
        for (TrackedInterface t : trackedInterfaces) {
            if (t.weight() != 0) priority += adjustment(t.weight(), t.reverse(), addresses.isUp(t.name()));
        }
        for (TrackedScript t : trackedScripts) {
            TrackedScriptRunner r = scripts.get(t.name());
            if (r == null || r.ok() == null) continue;
            int weight = t.weight() != null ? t.weight() : r.config().weight();
            boolean reverse = t.weight() != null ? t.reverse() : r.config().reverse();
            if (weight != 0) priority += adjustment(weight, reverse, r.ok());
        }
        return priority;
    }

    /** keepalived: a positive weight is added while OK, a negative one while failed; reverse swaps OK/failed. */
    static int adjustment(int weight, boolean reverse, boolean ok) {
        boolean effectiveOk = ok != reverse;
        if (weight > 0) return effectiveOk ? weight : 0;
        return effectiveOk ? 0 : weight;
    }

    /** Leaves the group politely: priority 0 if MASTER, VIPs removed, STOP notified; on the event thread. */
    void stop() {
        if (machine != null) machine.stop();
        running = false;
        if (socket != null) socket.close();
        removeVirtualAddresses();
    }

    void joinReceiver() throws InterruptedException {
        if (receiver != null) receiver.join(2000);
    }

    // ---- VrrpStateMachine.Actions ----

    @Override
    public void sendAdvert(int priority) {
        List<InetAddress> vips = config.virtualIpAddresses().stream().map(VirtualIpAddress::address).toList();
        VrrpPacket packet = new VrrpPacket(config.version(), config.virtualRouterId(), priority, config.authType(),
                authData, config.advertIntervalCentis(), vips);
        List<InetAddress> destinations = config.unicast() ? config.unicastPeers() : List.of(config.multicastGroup());
        for (InetAddress destination : destinations) {
            try {
                socket.send(packet.encode(source, destination, config.v3ChecksumAsV2()), destination);
            } catch (IOException e) {
                log.warn("VRRP_Instance({}) cannot send advert to {}: {}", name(), destination.getHostAddress(), e.getMessage());
            }
        }
    }

    private List<VirtualIpAddress> allVips() {
        List<VirtualIpAddress> all = new ArrayList<>(config.virtualIpAddresses());
        all.addAll(config.excludedVirtualIpAddresses());
        return all;
    }

    @Override
    public void addVirtualAddresses() {
        for (VirtualIpAddress v : allVips()) {
            String dev = v.deviceOr(config.interfaceName());
            try {
                if (addresses.add(dev, v.address(), v.prefixLength(), v.label())) addedByUs.add(v);
            } catch (IOException e) {
                log.error("VRRP_Instance({}) cannot add {}: {}", name(), v.address().getHostAddress(), e.getMessage());
            }
        }
    }

    @Override
    public void removeVirtualAddresses() {
        for (VirtualIpAddress v : new ArrayList<>(addedByUs)) {
            try {
                addresses.remove(v.deviceOr(config.interfaceName()), v.address(), v.prefixLength());
                addedByUs.remove(v);
            } catch (IOException e) {
                log.error("VRRP_Instance({}) cannot remove {}: {}", name(), v.address().getHostAddress(), e.getMessage());
            }
        }
    }

    @Override
    public void announceAddresses(int repeat) {
        for (VirtualIpAddress v : allVips()) {
            for (int i = 0; i < repeat; i++) {
                try {
                    announcer.announce(v.deviceOr(config.interfaceName()), v.address());
                } catch (IOException e) {
                    log.warn("VRRP_Instance({}) cannot announce {}: {}", name(), v.address().getHostAddress(), e.getMessage());
                    break;
                }
            }
        }
        if (repeat > 0) log.info("VRRP_Instance({}) Sending/queueing gratuitous ARPs/NAs on {} for {} addresses, {} each",
                name(), config.interfaceName(), allVips().size(), repeat);
    }

    @Override
    public void stateChanged(State from, State to, int priority) {
        transitions.incrementAndGet();
        log.info("VRRP_Instance({}) Entering {} STATE", name(), to);
        switch (to) {
            case MASTER -> notifier.run(config.notifyMaster());
            case BACKUP -> notifier.run(config.notifyBackup());
            case FAULT -> notifier.run(config.notifyFault());
            case STOP -> notifier.run(config.notifyStop());
            default -> { }
        }
        if (to != State.INIT) notifier.run(config.notifyAny(), "INSTANCE", name(), to.name(), Integer.toString(priority));
        stateListener.accept(to);
    }
}

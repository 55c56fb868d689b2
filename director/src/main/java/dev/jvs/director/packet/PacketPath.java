package dev.jvs.director.packet;

import dev.jvs.director.conn.Scheduling;
import dev.jvs.director.rules.Dest;
import dev.jvs.director.rules.RuleListener;
import dev.jvs.director.rules.RuleTable;
import dev.jvs.director.rules.VirtualService;
import dev.jvs.director.sync.ConnectionAnnouncer;
import dev.jvs.director.sync.ConnectionInstaller;
import dev.jvs.model.ForwardMethod;
import dev.jvs.model.Protocol;
import dev.jvs.model.ServiceKey;
import dev.jvs.os.Firewall;
import dev.jvs.os.Interfaces;
import dev.jvs.os.Neighbours;
import dev.jvs.os.PacketBackend;
import dev.jvs.os.PacketPort;
import dev.jvs.os.Routing;
import dev.jvs.os.SocketFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The packet data path for direct-routing ({@code -g}) and tunnelled ({@code -i}) real servers: {@code
 * --packet-threads} lanes ({@link Lane}), each a thread owning its sockets (one fan-out group per interface: a
 * flow always reaches the same lane), its shard of the flow table and its forwarder; after each rule change a new
 * {@link ForwardingPlan} is published to every lane, and listings run as tasks on the lanes' threads.
 *
 * <p>Without {@code --interface} the director listens on every interface where the VIPs' traffic may arrive
 * ({@link Interfaces#receiving()}), as IPVS sees traffic wherever it comes in. A control thread notices
 * interfaces that come and go (within a second) and looks next hops up in the kernel's neighbour table, so the
 * packet thread never reads a file or starts a process.
 */
public final class PacketPath implements RuleListener, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PacketPath.class);
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private static final int BATCH = 256;

    /**
     * Settings from the command line: {@code threads} forwarding threads (lanes), each with its own sockets in
     * one fan-out group per interface and its own shard of {@code maxFlows / threads} flows.
     */
    public record Settings(List<String> interfaces, PacketBackend backend, int maxFlows, int threads) {
        public Settings(List<String> interfaces, PacketBackend backend, int maxFlows) {
            this(interfaces, backend, maxFlows, 1);
        }
    }

    /** One row of {@code ipvsadm -Lc}. */
    public record FlowRow(Protocol protocol, long expiresInSeconds, String state, InetSocketAddress client,
                          InetSocketAddress virtual, InetSocketAddress destination) {}

    private final RuleTable rules;
    private final Settings settings;
    private final Routing routing;
    private final Neighbours neighbours;
    private final Firewall firewall;
    private final String unprivilegedReason;
    private final List<Lane> lanes = new ArrayList<>();

    // writer side (rulesChanged, synchronized)
    private final Set<ServiceKey> explained = new HashSet<>();
    private boolean unprivilegedExplained;
    private boolean filterTooLongExplained;
    private List<VirtualService> forwardedNow = List.of();
    private ScheduledExecutorService control;
    private AutoCloseable neighbourWatch;
    private boolean started;
    /** The services forwarded now (published after their plan is in place; read by the VIP announcer). */
    private volatile Set<ServiceKey> forwardedKeys = Set.of();
    /** {@code --takeover}: nothing forwarded until {@link #resume}, while the old director forwards. */
    private boolean held;
    /** Held with the ports open and planned, their filters passing only ARP/NDP: {@link #resume} only starts. */
    private boolean parked;
    /** Runs once the plans are in place, before the packet threads start (the inherited flows). */
    private Runnable beforeStart;
    /** Taken over: the successor uses the same firewall table, so it is left in place at close. */
    private boolean handedOver;

    /**
     * @param unprivilegedReason null when the process may open packet sockets and change the firewall, else why
     *                           it may not (logged once when a packet service appears)
     * @param announcer          where flows are reported for connection sync (the sync daemons' announcer, which
     *                           follows the master)
     */
    public PacketPath(RuleTable rules, Scheduling scheduling, Settings settings, Routing routing,
                      Neighbours neighbours, Firewall firewall, String unprivilegedReason,
                      ConnectionAnnouncer announcer) {
        this.rules = rules;
        this.settings = settings;
        this.routing = routing;
        this.neighbours = neighbours;
        this.firewall = firewall;
        this.unprivilegedReason = unprivilegedReason;
        int threads = Math.max(1, settings.threads());
        int shard = Math.max(1, settings.maxFlows() / threads);
        for (int i = 0; i < threads; i++) {
            lanes.add(new Lane(i, requests -> {
                PacketForwarder forwarder = new PacketForwarder(new FlowTable(shard), rules::timeouts, scheduling,
                        requests);
                forwarder.announcer = announcer;
                return forwarder;
            }, this::learnedOnTheWire));
        }
    }

    /** A lane saw a next hop's MAC on the wire; the others may never see that frame (fan-out sends it to one). */
    private void learnedOnTheWire(Lane from, Egress e) {
        String interfaceName = from.forwarder.plan.ports[e.portIndex].interfaceName();
        byte[] mac = e.mac.clone();
        for (Lane lane : lanes) if (lane != from) lane.learn(e.nextHop, interfaceName, mac, false);
    }

    /** Whether this service's packets are being forwarded here now (its ports open, a packet thread running). */
    public boolean isForwarding(ServiceKey key) {
        if (!forwardedKeys.contains(key)) return false;
        for (Lane lane : lanes) {
            if (lane.started() && lane.forwarder.plan.ports.length > 0) return true;
        }
        return false;
    }

    /** The kernel's {@code sloppy_tcp}: schedule mid-flow TCP segments of unknown flows (off by default). */
    public void sloppyTcp(boolean on) {
        for (Lane lane : lanes) lane.forwarder.sloppyTcp = on;
    }

    /**
     * Where a backup sync daemon installs records of the services forwarded here (ahead of the connection
     * table's installer, which takes the rest).
     */
    public ConnectionInstaller installer() {
        // Which lane the kernel will hand a synced flow to is its hash's secret: every lane gets the record
        // (listings show it once), and the lanes that never see its packets let it expire. Only the first lane's copy
        // counts in the real server's ActiveConn/InActConn, so a synced flow is counted once, not once per lane.
        List<ConnectionInstaller> each = new ArrayList<>();
        for (Lane lane : lanes) each.add(new FlowInstaller(lane.forwarder, lane.tasks::add, lane == lanes.get(0)));
        return r -> {
            boolean taken = false;
            for (ConnectionInstaller installer : each) taken |= installer.install(r);
            return taken;
        };
    }

    /**
     * {@code --takeover}: follow the rules but forward nothing until {@link #resume}: the director taken over
     * forwards until it stops, and two directors forwarding at once would schedule a new flow twice, perhaps to
     * two real servers. With kernel filtering (af_packet) the ports are opened, planned and the firewall table is
     * set up meanwhile, their filters letting only ARP/NDP through, so that resuming takes little more than a
     * filter change; without it (pcap) nothing is opened until then.
     */
    public synchronized void hold() {
        held = true;
    }

    /**
     * Forwards from now on: publishes the plans, runs {@code install} (the flows and templates the old director
     * handed over, installed through {@link #installer}) and only then starts the packet threads, so that no
     * frame of an inherited flow is seen before its flow is in the table.
     */
    public synchronized void resume(Runnable install) {
        held = false;
        beforeStart = install;
        if (parked) {
            parked = false;
            try {
                byte[] program = filterProgram(forwardedNow);
                for (Lane lane : lanes) {
                    // What queued while parked (ARP, the frames before the filter was set) is old: drop it.
                    for (PacketPort port : lane.ports) {
                        while (port.receive((frame, offset, length, wireLength) -> { }, BATCH, 0) > 0) {
                            // until empty
                        }
                        port.filter(program);
                    }
                }
            } catch (IOException | RuntimeException e) {
                log.error("packet path not updated: {}", e.getMessage());
            }
            start();
        } else {
            update(forwardedNow, true);
        }
        runBeforeStart(); // no packet service (or the plan failed): install anyway, e.g. NAT templates
    }

    private void runBeforeStart() {
        Runnable install = beforeStart;
        beforeStart = null;
        if (install != null) install.run();
    }

    /**
     * Taken over: stops the packet threads for good and visits every flow of every lane (each thread has ended,
     * so its table is read here). The firewall table stays: the successor keeps it.
     */
    public synchronized void stopForSuccessor(Runnable stopped,
                                              java.util.function.Consumer<dev.jvs.director.conn.SyncedConnection> each) {
        handedOver = true;
        for (Lane lane : lanes) lane.requestStop(); // all at once, then wait for each
        for (Lane lane : lanes) lane.stop();
        stopped.run();
        for (Lane lane : lanes) {
            FlowTable flows = lane.forwarder.flows;
            FlowSyncView view = new FlowSyncView(flows, rules::timeouts);
            long now = System.nanoTime();
            flows.forEachSlot(slot -> {
                if (flows.expiresAtNanos(slot) > now) each.accept(view.at(slot)); // expired: left for the sweep
            });
        }
    }

    /** A service is forwarded here when it is a TCP or UDP address service whose real servers are all -g or -i. */
    static boolean forwards(VirtualService service) {
        ServiceKey key = service.key();
        List<Dest> dests = service.dests();
        return !key.isFwmark() && key.protocol() != Protocol.SCTP && !dests.isEmpty()
                && dests.stream().allMatch(d -> d.method().isPacketMode());
    }

    @Override
    public synchronized void rulesChanged(List<VirtualService> services) {
        List<VirtualService> forwarded = new ArrayList<>();
        for (VirtualService vs : services) {
            if (forwards(vs)) {
                forwarded.add(vs);
            } else if (!vs.dests().isEmpty() && vs.dests().stream().allMatch(d -> d.method().isPacketMode())
                    && vs.key().protocol() == Protocol.SCTP && explained.add(vs.key())) {
                log.warn("{}: SCTP services are not forwarded by this JVS release", describe(vs.key()));
            }
        }
        forwardedNow = forwarded;
        update(forwarded, true);
    }

    /**
     * Builds and publishes the plan for {@code forwarded} on the interfaces there are now; with
     * {@code servicesChanged}, the kernel's firewall follows the services too. Callers hold this object's lock.
     */
    private void update(List<VirtualService> forwarded, boolean servicesChanged) {
        if (handedOver || forwarded.isEmpty() && !started) return;
        if (held && (settings.backend() != PacketBackend.AF_PACKET_RING || forwarded.isEmpty())) {
            parked = false; // opened at resume
            return;
        }
        if (unprivilegedReason != null) {
            if (!unprivilegedExplained) {
                unprivilegedExplained = true;
                log.warn("direct-routing and tunnel services are listed but NOT forwarded: {}", unprivilegedReason);
            }
            return;
        }
        try {
            Map<InetAddress, Routing.Route> routes = routes(forwarded);
            byte[] program = held ? SocketFilter.program(List.of()) : filterProgram(forwarded);
            for (Lane lane : lanes) {
                List<PacketPort> previous = lane.ports;
                ForwardingPlan plan = plan(lane, forwarded, routes);
                for (PacketPort port : lane.ports) port.filter(program);
                lane.forwarder.plan = plan;
                release(lane, previous);
            }
            if (servicesChanged) {
                List<Firewall.Endpoint> endpoints = new ArrayList<>();
                for (VirtualService vs : forwarded) {
                    ServiceKey key = vs.key();
                    endpoints.add(new Firewall.Endpoint(key.protocol().name().toLowerCase(), key.address(),
                            key.port()));
                }
                firewall.ignoreLocally(endpoints);
            }
            if (held) {
                parked = true;
            } else if (!started && !forwarded.isEmpty()) {
                start();
            }
            forwardedKeys = forwarded.stream().map(VirtualService::key)
                    .collect(java.util.stream.Collectors.toUnmodifiableSet());
        } catch (IOException | RuntimeException e) {
            log.error("packet path not updated: {}", e.getMessage());
        }
    }

    /** Where each real server is reached, asked once for all lanes (a control-side lookup). */
    private Map<InetAddress, Routing.Route> routes(List<VirtualService> forwarded) throws IOException {
        Map<InetAddress, Routing.Route> routes = new HashMap<>();
        for (VirtualService vs : forwarded) {
            for (Dest d : vs.dests()) {
                InetAddress rs = d.config().address();
                if (!routes.containsKey(rs)) routes.put(rs, routing.routeTo(rs));
            }
        }
        return routes;
    }

    /** Only frames of the forwarded services (and ARP/NDP) reach the rings: the kernel drops the rest. */
    private byte[] filterProgram(List<VirtualService> forwarded) {
        List<SocketFilter.Service> services = new ArrayList<>();
        for (VirtualService vs : forwarded) {
            ServiceKey key = vs.key();
            services.add(new SocketFilter.Service(key.address(), key.protocol() == Protocol.TCP ? 6 : 17, key.port()));
        }
        byte[] program = SocketFilter.program(services);
        if (program == null && !filterTooLongExplained) {
            filterTooLongExplained = true;
            log.warn("too many packet services for one socket filter: every frame goes to the packet path");
        }
        return program;
    }

    /** Closes the ports of {@code previous} the new plan no longer uses, once the packet thread has let go. */
    private void release(Lane lane, List<PacketPort> previous) {
        for (PacketPort port : previous) {
            if (lane.ports.contains(port)) continue;
            if (lane.number == 0) {
                log.info("packet path released {}: {}", port.interfaceName(),
                        Interfaces.exists(port.interfaceName()) ? "no longer used" : "it is gone");
            }
            if (lane.started()) {
                lane.tasks.add(port::close); // runs after the batch that may still hold the old plan
            } else {
                port.close();
            }
        }
    }

    /** Control thread, every second: interfaces that came or went change the plan. */
    private synchronized void watchInterfaces() {
        if (!settings.interfaces().isEmpty() || !started) return;
        List<String> now = Interfaces.receiving();
        boolean changed = false;
        Lane first = lanes.get(0);
        for (String name : now) changed |= find(first, name) == null;
        for (PacketPort port : first.ports) {
            changed |= !Interfaces.exists(port.interfaceName())
                    || Interfaces.indexOrZero(port.interfaceName()) != port.interfaceIndex();
        }
        if (changed) update(forwardedNow, false);
    }

    /** The lane's plan, on the lane's own ports (kept, or opened now). */
    private ForwardingPlan plan(Lane lane, List<VirtualService> forwarded, Map<InetAddress, Routing.Route> routes)
            throws IOException {
        List<PacketPort> previous = lane.ports;
        lane.ports = new ArrayList<>();
        try {
            return plan(lane, forwarded, routes, previous);
        } catch (IOException | RuntimeException e) {
            for (PacketPort port : lane.ports) if (!previous.contains(port)) port.close();
            lane.ports = previous;
            throw e;
        }
    }

    private ForwardingPlan plan(Lane lane, List<VirtualService> forwarded, Map<InetAddress, Routing.Route> routes,
                                List<PacketPort> previous) throws IOException {
        // Listening everywhere: a VIP on lo or on one interface is still reached through any of them.
        if (!settings.interfaces().isEmpty()) {
            for (String name : settings.interfaces()) portIndex(lane, name, previous);
        } else {
            for (String name : Interfaces.receiving()) {
                try {
                    portIndex(lane, name, previous);
                } catch (IOException | RuntimeException e) {
                    if (lane.number == 0) log.warn("packet path cannot listen on {}: {}", name, e.getMessage());
                }
            }
        }
        ForwardingPlan oldPlan = lane.forwarder.plan;
        Map<Dest, Egress> old = oldPlan.egress;
        // A MAC belongs to the next hop, not to one service's real server: a service added for a next hop the lane
        // already reaches starts with its MAC, or its first packets would be dropped until the next hop answers
        // again (and a lone datagram, sent once, is lost).
        Map<NextHop, byte[]> known = new HashMap<>();
        for (Egress e : old.values()) {
            if (e.resolved) known.put(new NextHop(oldPlan.ports[e.portIndex].interfaceName(), e.nextHop), e.mac);
        }
        IdentityHashMap<Dest, Egress> egress = new IdentityHashMap<>();
        for (VirtualService vs : forwarded) {
            for (Dest d : vs.dests()) {
                InetAddress rs = d.config().address();
                Routing.Route route = routes.get(rs);
                int index = portIndex(lane, route.interfaceName(), previous);
                InetAddress nextHop = route.nextHop(rs);
                boolean tunnel = d.method() == ForwardMethod.TUNNEL;
                if (tunnel && !(rs instanceof Inet4Address)) {
                    log.warn("{}: IPv6 tunnel real server {} is not forwarded by this JVS release", describe(vs.key()),
                            rs.getHostAddress());
                    continue;
                }
                InetAddress local = route.source() != null ? route.source() : vs.key().address();
                if (rs instanceof Inet6Address) local = solicitationSource(local, addressesOf(route.interfaceName()));
                Egress e = new Egress(d, index, lane.ports.get(index).macAddress(), nextHop, local, route.mtu(),
                        tunnel);
                Egress before = old.get(d);
                byte[] mac = before != null && before.resolved && before.nextHop.equals(nextHop) ? before.mac
                        : known.get(new NextHop(route.interfaceName(), nextHop));
                if (mac == null) mac = neighbours.lookup(nextHop, route.interfaceName());
                if (mac != null) e.learn(mac, 0);
                egress.put(d, e);
            }
        }
        return new ForwardingPlan(new ServiceIndex(forwarded), egress, lane.ports.toArray(new PacketPort[0]));
    }

    /**
     * Where our neighbour solicitations for an IPv6 next hop come from: the egress interface's link-local
     * address when it has one. Not the route's source, which is often the VIP (it sits on the same interface):
     * the real servers hold the VIP too, so they would file the director's MAC under their own address and send
     * their advertisement to an address they consider local.
     */
    static InetAddress solicitationSource(InetAddress routeSource, List<InetAddress> interfaceAddresses) {
        for (InetAddress a : interfaceAddresses) {
            if (a instanceof Inet6Address && a.isLinkLocalAddress()) return withoutScope((Inet6Address) a);
        }
        return routeSource;
    }

    private static InetAddress withoutScope(Inet6Address address) {
        try {
            return InetAddress.getByAddress(address.getAddress()); // frames carry the bare 16 bytes
        } catch (IOException e) {
            return address;
        }
    }

    private static List<InetAddress> addressesOf(String interfaceName) {
        try {
            NetworkInterface nic = NetworkInterface.getByName(interfaceName);
            return nic == null ? List.of() : Collections.list(nic.getInetAddresses());
        } catch (IOException e) {
            return List.of();
        }
    }

    private static PacketPort find(Lane lane, String interfaceName) {
        for (PacketPort port : lane.ports) if (port.interfaceName().equals(interfaceName)) return port;
        return null;
    }

    /** The lane's port on {@code interfaceName} in the plan being built: kept from {@code previous}, or opened. */
    private int portIndex(Lane lane, String interfaceName, List<PacketPort> previous) throws IOException {
        List<PacketPort> ports = lane.ports;
        for (int i = 0; i < ports.size(); i++) {
            if (ports.get(i).interfaceName().equals(interfaceName)) return i;
        }
        int index = Interfaces.indexOrZero(interfaceName);
        for (PacketPort port : previous) {
            if (port.interfaceName().equals(interfaceName) && port.interfaceIndex() == index) {
                ports.add(port);
                return ports.size() - 1;
            }
        }
        PacketPort port = lanes.size() == 1 ? settings.backend().open(interfaceName)
                : settings.backend().open(interfaceName, fanoutGroup(index), lanes.size());
        ports.add(port);
        if (lane.number == 0) {
            log.info("packet path on {} ({}{})", interfaceName, port.backendName(),
                    lanes.size() == 1 ? "" : ", " + lanes.size() + " threads");
        }
        return ports.size() - 1;
    }

    /** One fan-out group per interface, distinct from other processes' (the kernel's ids are per namespace). */
    private static int fanoutGroup(int interfaceIndex) {
        return (int) ((ProcessHandle.current().pid() * 31 + interfaceIndex) & 0xffff);
    }

    private void start() {
        started = true;
        runBeforeStart();
        for (Lane lane : lanes) lane.start();
        control = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "jvs-packet-control");
            t.setDaemon(true);
            return t;
        });
        // Neighbour changes as the kernel announces them; the lookups every 250 ms catch what was missed.
        neighbourWatch = neighbours.watch((address, interfaceName, mac) -> {
            for (Lane lane : lanes) lane.learn(address, interfaceName, mac, true);
        });
        control.scheduleWithFixedDelay(this::lookUpNeighbours, 250, 250, TimeUnit.MILLISECONDS);
        control.scheduleWithFixedDelay(this::watchInterfaces, 1, 1, TimeUnit.SECONDS);
    }

    /**
     * Control thread: next hops still unresolved may be in the kernel's neighbour table by now (it reads a file
     * or runs {@code ip}); what it finds is handed to the packet thread.
     */
    private void lookUpNeighbours() {
        try {
            for (Lane lane : lanes) {
                ForwardingPlan plan = lane.forwarder.plan;
                for (Egress e : plan.allEgress) {
                    if (e.resolved) continue;
                    String interfaceName = plan.ports[e.portIndex].interfaceName();
                    byte[] mac = neighbours.lookup(e.nextHop, interfaceName);
                    if (mac != null) lane.learn(e.nextHop, interfaceName, mac, false);
                }
            }
        } catch (RuntimeException e) {
            log.warn("neighbour lookup failed: {}", e.toString());
        }
    }

    /**
     * The packet flows for {@code ipvsadm -Lc}, gathered on each lane's thread: every shard, as one table. A flow
     * a sync backup installed in every lane is listed once (the copy with the longest time left).
     */
    public List<FlowRow> flows(long nowNanos) {
        if (!started) return List.of();
        List<CompletableFuture<List<FlowRow>>> parts = new ArrayList<>();
        for (Lane lane : lanes) {
            CompletableFuture<List<FlowRow>> rows = new CompletableFuture<>();
            lane.tasks.add(() -> rows.complete(lane.snapshot(nowNanos)));
            parts.add(rows);
        }
        Map<List<Object>, FlowRow> merged = new java.util.LinkedHashMap<>();
        for (CompletableFuture<List<FlowRow>> part : parts) {
            try {
                for (FlowRow row : part.get(2, TimeUnit.SECONDS)) {
                    merged.merge(List.of(row.protocol(), row.client(), row.virtual()), row,
                            (a, b) -> a.expiresInSeconds() >= b.expiresInSeconds() ? a : b);
                }
            } catch (Exception e) {
                // a lane that does not answer in time is left out of this listing
            }
        }
        return new ArrayList<>(merged.values());
    }

    /** Flows tracked now in all lanes (read racily, for metrics). */
    public int flowCount() {
        int n = 0;
        for (Lane lane : lanes) n += lane.forwarder.flows.size();
        return n;
    }

    /** The flow table's bound ({@code --max-flows}, split over the lanes). */
    public int maxFlows() {
        int n = 0;
        for (Lane lane : lanes) n += lane.forwarder.flows.maxFlows();
        return n;
    }

    /** Drop and forwarding counters of all lanes added up (read racily, for logs and metrics). */
    public PacketCounters counters() {
        PacketCounters sum = new PacketCounters();
        for (Lane lane : lanes) sum.add(lane.forwarder.counters);
        return sum;
    }

    @Override
    public synchronized void close() {
        if (control != null) control.shutdownNow();
        if (neighbourWatch != null) {
            try {
                neighbourWatch.close();
            } catch (Exception e) {
                log.debug("neighbour watch: {}", e.toString());
            }
        }
        for (Lane lane : lanes) lane.stop();
        if (started) {
            log.info("packet path stopped: {}", counters());
            if (lanes.size() > 1) {
                for (Lane lane : lanes) {
                    PacketCounters c = lane.forwarder.counters;
                    log.info("packet thread {}: seen={} forwarded={} newFlows={}", lane.number, c.framesSeen,
                            c.forwarded, c.newFlows);
                }
            }
        }
        for (Lane lane : lanes) {
            for (PacketPort port : lane.ports) port.close();
            lane.ports.clear();
        }
        try {
            if (!handedOver) firewall.close();
        } catch (IOException e) {
            log.warn("cannot remove the JVS nftables table: {}", e.getMessage());
        }
    }

    static String describe(ServiceKey key) {
        if (key.isFwmark()) return "FWM " + key.fwmark();
        String host = key.address().getHostAddress();
        if (key.ipv6()) host = "[" + host + "]";
        return key.protocol().label() + " " + host + ":" + key.port();
    }

    /** Reads {@code --interface} values, keeping order and dropping repeats. */
    public static List<String> distinct(List<String> names) {
        return new ArrayList<>(new LinkedHashSet<>(names));
    }

    /** A next hop as the lanes reach it: through this interface, at this address. */
    private record NextHop(String interfaceName, InetAddress address) {
    }
}

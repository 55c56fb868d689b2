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
 * The packet data path for direct-routing ({@code -g}) and tunnelled ({@code -i}) real servers: one thread owns
 * the ports, the flow table and the forwarder; the rule table's writer publishes a new {@link ForwardingPlan}
 * after each change, and listings run as tasks on the packet thread.
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

    /** Settings from the command line. */
    public record Settings(List<String> interfaces, PacketBackend backend, int maxFlows) {}

    /** One row of {@code ipvsadm -Lc}. */
    public record FlowRow(Protocol protocol, long expiresInSeconds, String state, InetSocketAddress client,
                          InetSocketAddress virtual, InetSocketAddress destination) {}

    private final RuleTable rules;
    private final Settings settings;
    private final Routing routing;
    private final Neighbours neighbours;
    private final Firewall firewall;
    private final String unprivilegedReason;
    private final PacketForwarder forwarder;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final ByteBuffer requestFrame = ByteBuffer.allocate(128);

    // writer side (rulesChanged, synchronized)
    private List<PacketPort> ports = new ArrayList<>();
    private final Set<ServiceKey> explained = new HashSet<>();
    private boolean unprivilegedExplained;
    private boolean filterTooLongExplained;
    private List<VirtualService> forwardedNow = List.of();
    private ScheduledExecutorService control;
    private Thread thread;
    private volatile boolean running;

    /**
     * @param unprivilegedReason null when the process may open packet sockets and change the firewall, else why
     *                           it may not (logged once when a packet service appears)
     */
    public PacketPath(RuleTable rules, Scheduling scheduling, Settings settings, Routing routing,
                      Neighbours neighbours, Firewall firewall, String unprivilegedReason) {
        this.rules = rules;
        this.settings = settings;
        this.routing = routing;
        this.neighbours = neighbours;
        this.firewall = firewall;
        this.unprivilegedReason = unprivilegedReason;
        this.forwarder = new PacketForwarder(new FlowTable(settings.maxFlows()), rules::timeouts, scheduling,
                this::requestNeighbour);
    }

    /** Where flows are reported for connection sync (the sync daemons' announcer, which follows the master). */
    public void announcer(ConnectionAnnouncer announcer) {
        forwarder.announcer = announcer;
    }

    /**
     * Where a backup sync daemon installs records of the services forwarded here (ahead of the connection
     * table's installer, which takes the rest).
     */
    public ConnectionInstaller installer() {
        return new FlowInstaller(forwarder, tasks::add);
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
        if (forwarded.isEmpty() && thread == null) return;
        if (unprivilegedReason != null) {
            if (!unprivilegedExplained) {
                unprivilegedExplained = true;
                log.warn("direct-routing and tunnel services are listed but NOT forwarded: {}", unprivilegedReason);
            }
            return;
        }
        try {
            List<PacketPort> previous = ports;
            ForwardingPlan plan = plan(forwarded);
            filter(forwarded);
            forwarder.plan = plan;
            release(previous);
            if (servicesChanged) {
                List<Firewall.Endpoint> endpoints = new ArrayList<>();
                for (VirtualService vs : forwarded) {
                    ServiceKey key = vs.key();
                    endpoints.add(new Firewall.Endpoint(key.protocol().name().toLowerCase(), key.address(),
                            key.port()));
                }
                firewall.ignoreLocally(endpoints);
            }
            if (thread == null && !forwarded.isEmpty()) start();
        } catch (IOException | RuntimeException e) {
            log.error("packet path not updated: {}", e.getMessage());
        }
    }

    /** Only frames of the forwarded services (and ARP/NDP) reach the rings: the kernel drops the rest. */
    private void filter(List<VirtualService> forwarded) throws IOException {
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
        for (PacketPort port : ports) port.filter(program);
    }

    /** Closes the ports of {@code previous} the new plan no longer uses, once the packet thread has let go. */
    private void release(List<PacketPort> previous) {
        for (PacketPort port : previous) {
            if (ports.contains(port)) continue;
            log.info("packet path released {}: {}", port.interfaceName(),
                    Interfaces.exists(port.interfaceName()) ? "no longer used" : "it is gone");
            if (thread != null) {
                tasks.add(port::close); // runs after the batch that may still hold the old plan
            } else {
                port.close();
            }
        }
    }

    /** Control thread, every second: interfaces that came or went change the plan. */
    private synchronized void watchInterfaces() {
        if (!settings.interfaces().isEmpty() || thread == null) return;
        List<String> now = Interfaces.receiving();
        boolean changed = false;
        for (String name : now) changed |= find(name) == null;
        for (PacketPort port : ports) {
            changed |= !Interfaces.exists(port.interfaceName())
                    || Interfaces.indexOrZero(port.interfaceName()) != port.interfaceIndex();
        }
        if (changed) update(forwardedNow, false);
    }

    private ForwardingPlan plan(List<VirtualService> forwarded) throws IOException {
        List<PacketPort> previous = ports;
        ports = new ArrayList<>();
        try {
            return plan(forwarded, previous);
        } catch (IOException | RuntimeException e) {
            for (PacketPort port : ports) if (!previous.contains(port)) port.close();
            ports = previous;
            throw e;
        }
    }

    private ForwardingPlan plan(List<VirtualService> forwarded, List<PacketPort> previous) throws IOException {
        // Listening everywhere: a VIP on lo or on one interface is still reached through any of them.
        if (!settings.interfaces().isEmpty()) {
            for (String name : settings.interfaces()) portIndex(name, previous);
        } else {
            for (String name : Interfaces.receiving()) {
                try {
                    portIndex(name, previous);
                } catch (IOException | RuntimeException e) {
                    log.warn("packet path cannot listen on {}: {}", name, e.getMessage());
                }
            }
        }
        Map<Dest, Egress> old = forwarder.plan.egress;
        Map<InetAddress, Routing.Route> routes = new HashMap<>();
        IdentityHashMap<Dest, Egress> egress = new IdentityHashMap<>();
        for (VirtualService vs : forwarded) {
            for (Dest d : vs.dests()) {
                InetAddress rs = d.config().address();
                Routing.Route route = routes.get(rs);
                if (route == null) {
                    route = routing.routeTo(rs);
                    routes.put(rs, route);
                }
                int index = portIndex(route.interfaceName(), previous);
                InetAddress nextHop = route.nextHop(rs);
                boolean tunnel = d.method() == ForwardMethod.TUNNEL;
                if (tunnel && !(rs instanceof Inet4Address)) {
                    log.warn("{}: IPv6 tunnel real server {} is not forwarded by this JVS release", describe(vs.key()),
                            rs.getHostAddress());
                    continue;
                }
                InetAddress local = route.source() != null ? route.source() : vs.key().address();
                if (rs instanceof Inet6Address) local = solicitationSource(local, addressesOf(route.interfaceName()));
                Egress e = new Egress(d, index, ports.get(index).macAddress(), nextHop, local, route.mtu(), tunnel);
                Egress before = old.get(d);
                if (before != null && before.resolved && before.nextHop.equals(nextHop)) {
                    e.learn(before.mac, 0);
                } else {
                    byte[] mac = neighbours.lookup(nextHop, route.interfaceName());
                    if (mac != null) e.learn(mac, 0);
                }
                egress.put(d, e);
            }
        }
        return new ForwardingPlan(new ServiceIndex(forwarded), egress, ports.toArray(new PacketPort[0]));
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

    private PacketPort find(String interfaceName) {
        for (PacketPort port : ports) if (port.interfaceName().equals(interfaceName)) return port;
        return null;
    }

    /** The port on {@code interfaceName} in the plan being built: kept from {@code previous}, or opened. */
    private int portIndex(String interfaceName, List<PacketPort> previous) throws IOException {
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
        PacketPort port = settings.backend().open(interfaceName);
        ports.add(port);
        log.info("packet path on {} ({})", interfaceName, port.backendName());
        return ports.size() - 1;
    }

    private void start() {
        running = true;
        thread = new Thread(this::run, "jvs-packet");
        thread.setDaemon(true);
        thread.start();
        control = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "jvs-packet-control");
            t.setDaemon(true);
            return t;
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
            ForwardingPlan plan = forwarder.plan;
            for (Egress e : plan.allEgress) {
                if (e.resolved) continue;
                byte[] mac = neighbours.lookup(e.nextHop, plan.ports[e.portIndex].interfaceName());
                if (mac != null) tasks.add(() -> e.learn(mac, 0));
            }
        } catch (RuntimeException e) {
            log.warn("neighbour lookup failed: {}", e.toString());
        }
    }

    private void run() {
        long lastHousekeeping = System.nanoTime();
        while (running) {
            PacketPort[] active = forwarder.plan.ports;
            if (active.length == 0) {
                sleepMillis(10);
            }
            int timeout = active.length == 1 ? 5 : 1;
            for (PacketPort port : active) {
                forwarder.now = System.nanoTime();
                forwarder.ingress = port;
                forwarder.ingressMac = port.macAddress();
                try {
                    port.receive(forwarder, BATCH, timeout);
                } catch (RuntimeException e) {
                    log.error("packet path: frame handling failed on {}", port.interfaceName(), e);
                }
            }
            for (PacketPort port : active) port.flush();
            long now = System.nanoTime();
            if (now - lastHousekeeping >= SECOND / 4) {
                lastHousekeeping = now;
                forwarder.flows.expire(now);
                solicitNeighbours(now);
            }
            for (Runnable task; (task = tasks.poll()) != null; ) task.run();
        }
    }

    /** Unresolved next hops: ask the wire ourselves (at most once a second each). */
    private void solicitNeighbours(long now) {
        ForwardingPlan plan = forwarder.plan;
        for (Egress e : plan.allEgress) {
            if (!e.resolved) requestNeighbour(e, now);
        }
        for (PacketPort port : plan.ports) port.flush();
    }

    private void requestNeighbour(Egress e, long now) {
        if (e.lastRequestNanos != 0 && now - e.lastRequestNanos < SECOND) return;
        e.lastRequestNanos = now;
        PacketPort port = forwarder.plan.ports[e.portIndex];
        int length = e.nextHop instanceof Inet6Address
                ? NeighbourFrames.solicitation(requestFrame, e.sourceMac, e.localAddress, e.nextHop)
                : NeighbourFrames.arpRequest(requestFrame, e.sourceMac, e.localAddress, e.nextHop);
        if (length > 0) port.send(requestFrame, 0, length);
    }

    /** The packet flows for {@code ipvsadm -Lc}, gathered on the packet thread. */
    public List<FlowRow> flows(long nowNanos) {
        if (!running) return List.of();
        CompletableFuture<List<FlowRow>> rows = new CompletableFuture<>();
        tasks.add(() -> rows.complete(snapshot(nowNanos)));
        try {
            return rows.get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            return List.of();
        }
    }

    private List<FlowRow> snapshot(long nowNanos) {
        FlowTable t = forwarder.flows;
        List<FlowRow> rows = new ArrayList<>(t.size());
        t.forEachSlot(slot -> {
            long ports = t.keyWord(slot, 4);
            boolean ipv6 = ((ports >>> 32) & 1) != 0;
            Protocol protocol = ((ports >>> 40) & 0xff) == 6 ? Protocol.TCP : Protocol.UDP;
            InetAddress client = Bytes.address(ipv6, t.keyWord(slot, 0), t.keyWord(slot, 1));
            InetAddress virtual = Bytes.address(ipv6, t.keyWord(slot, 2), t.keyWord(slot, 3));
            int virtualPort = (int) (ports & 0xffff);
            Dest d = t.dest(slot);
            int port = d.config().port() == 0 ? virtualPort : d.config().port();
            long left = Math.max(0, t.expiresAtNanos(slot) - nowNanos);
            rows.add(new FlowRow(protocol, (left + SECOND - 1) / SECOND, t.stateName(slot),
                    new InetSocketAddress(client, (int) ((ports >>> 16) & 0xffff)),
                    new InetSocketAddress(virtual, virtualPort),
                    new InetSocketAddress(d.config().address(), port)));
        });
        return rows;
    }

    /** Drop and forwarding counters (read racily, for logs). */
    public PacketCounters counters() {
        return forwarder.counters;
    }

    @Override
    public synchronized void close() {
        running = false;
        if (control != null) control.shutdownNow();
        if (thread != null) {
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            log.info("packet path stopped: {}", forwarder.counters);
        }
        for (PacketPort port : ports) port.close();
        ports.clear();
        try {
            firewall.close();
        } catch (IOException e) {
            log.warn("cannot remove the JVS nftables table: {}", e.getMessage());
        }
    }

    private static void sleepMillis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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
}

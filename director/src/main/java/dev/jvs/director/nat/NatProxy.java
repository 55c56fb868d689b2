package dev.jvs.director.nat;

import dev.jvs.director.conn.ConnectionTable;
import dev.jvs.director.conn.Scheduling;
import dev.jvs.director.nat.udp.UdpNatListener;
import dev.jvs.director.sync.ConnectionAnnouncer;
import dev.jvs.director.net.Transport;
import dev.jvs.director.rules.Dest;
import dev.jvs.director.rules.RuleListener;
import dev.jvs.director.rules.RuleTable;
import dev.jvs.director.rules.VirtualService;
import dev.jvs.model.ForwardMethod;
import dev.jvs.model.Protocol;
import dev.jvs.model.ServiceKey;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.channel.unix.FileDescriptor;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The NAT (full-proxy) data path: one listener per TCP or UDP virtual service whose real servers are all
 * masquerading ({@code -m}). It follows the rule table: a TCP listener opens when such a service gains its
 * first real server and closes when the service is deleted or loses them; a UDP socket lives as long as the
 * service (see {@link #proxies}). TCP connections already accepted are never touched by rule changes; they drain
 * on their own. UDP sessions drain too, but end with their service's socket, which carries their replies.
 */
public final class NatProxy implements RuleListener, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NatProxy.class);

    private final Transport transport;
    private final EventLoopGroup acceptors;
    private final EventLoopGroup workers;
    /** Which loop serves a connection accepted on an SO_REUSEPORT listener: shared by every TCP service. */
    private final LoopBalance loopBalance;
    private final RuleTable rules;
    private final ConnectionTable connections;
    private final ConnectionLimits limits;
    private final Scheduling scheduling;
    /** Owned by the rule-table subscription thread (rulesChanged) and close(). */
    private final Map<ServiceKey, Channel> listeners = new HashMap<>();
    private final Map<ServiceKey, TcpListener> tcpListeners = new HashMap<>();
    /** Tests only: told of every proxied pair once its backend channel exists. */
    volatile PairObserver pairObserver = PairObserver.NONE;
    private final Set<ServiceKey> notForwardedLogged = new HashSet<>();
    /** The listeners the table asks for, and those whose bind failed (retried until they succeed). */
    private final Set<ServiceKey> wanted = new HashSet<>();
    private final Set<ServiceKey> failing = new HashSet<>();
    /** The last bind error of each wanted service; it counts only while the service's listener is not bound. */
    private final Map<ServiceKey, String> bindErrors = new HashMap<>();
    /** Bind retries run here, never on an event loop (they take this object's lock). */
    private final java.util.concurrent.ScheduledExecutorService retries =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "jvs-listen-retry");
                t.setDaemon(true);
                return t;
            });
    /** Stops every TCP listener from accepting while the connections would not fit the open-file limit. */
    private final AcceptGate gate;
    /** Shared by every TCP listener; its lines are written on the retry thread, never on an event loop. */
    private final AcceptErrors acceptErrors;
    /** On every TCP listening socket: the gate, then what a failed accept does. */
    private final ChannelHandler listenerHandlers = new ChannelInitializer<>() {
        @Override
        protected void initChannel(Channel listener) {
            listener.pipeline().addLast(gate, acceptErrors);
        }
    };
    static final long BIND_RETRY_SECONDS = 2;
    private static final long BIND_WAIT_MILLIS = 2_000;
    private final ConnectPolicy connectPolicy;
    private final ConnectionAnnouncer announcer;
    /** {@code --splice}: relay with splice(2) where nothing needs to see the bytes (epoll only; others copy). */
    private final boolean splice;
    /** Listening sockets received with {@code --takeover}, served instead of binding until the table drops them. */
    private final Map<InetSocketAddress, List<FileDescriptor>> inherited = new HashMap<>();
    /** Set once taken over: nothing is bound or closed for the rules any more. */
    private boolean takenOver;
    /** UDP sockets received with {@code --takeover}, likewise. */
    private final Map<InetSocketAddress, List<FileDescriptor>> inheritedUdp = new HashMap<>();

    /** With the default connect policy and no connection sync (tests). */
    public NatProxy(Transport transport, EventLoopGroup acceptors, EventLoopGroup workers,
                    RuleTable rules, ConnectionTable connections, Scheduling scheduling, ConnectionLimits limits) {
        this(transport, acceptors, workers, rules, connections, scheduling, limits, ConnectPolicy.DEFAULT,
                ConnectionAnnouncer.NONE, false, AcceptGate.unlimited());
    }

    /**
     * @param connectPolicy connect timeout, redispatch, and who hears of failed connects (passive health)
     * @param announcer     where proxied connections are reported for connection sync
     * @param splice        relay TCP with splice(2) where nothing needs to see the bytes (epoll only; others copy)
     * @param gate          keeps the connections within the open-file limit ({@link AcceptGate#unlimited}: none)
     */
    public NatProxy(Transport transport, EventLoopGroup acceptors, EventLoopGroup workers,
                    RuleTable rules, ConnectionTable connections, Scheduling scheduling, ConnectionLimits limits,
                    ConnectPolicy connectPolicy, ConnectionAnnouncer announcer, boolean splice, AcceptGate gate) {
        this.splice = splice;
        this.gate = java.util.Objects.requireNonNull(gate, "gate");
        this.acceptErrors = new AcceptErrors(log::warn, AcceptErrors.LOG_INTERVAL, gate::isOpen);
        limits.gate(gate);
        this.connectPolicy = java.util.Objects.requireNonNull(connectPolicy, "connectPolicy");
        this.announcer = java.util.Objects.requireNonNull(announcer, "announcer");
        this.transport = transport;
        this.limits = limits;
        this.acceptors = acceptors;
        this.workers = workers;
        this.loopBalance = new LoopBalance(workers);
        this.rules = rules;
        this.connections = connections;
        this.scheduling = scheduling;
        retries.scheduleWithFixedDelay(() -> {
            long now = System.nanoTime();
            acceptErrors.report(now);
            limits.report(now);
            gate.report(now);
        }, 1, 1, java.util.concurrent.TimeUnit.SECONDS);
    }

    /** Which loop serves each accepted TCP connection (tests). */
    LoopBalance loopBalance() {
        return loopBalance;
    }

    /** Whether a listener for this service is bound (TCP: every SO_REUSEPORT socket of it). */
    public synchronized boolean isListening(ServiceKey key) {
        return listening(key);
    }

    /** Serves these listening sockets (from the director taken over) for their TCP services instead of binding. */
    public synchronized void inherit(Map<InetSocketAddress, List<FileDescriptor>> sockets) {
        inherited.putAll(sockets);
    }

    /** Serves these sockets (from the director taken over) for their UDP services instead of binding. */
    public synchronized void inheritUdp(Map<InetSocketAddress, List<FileDescriptor>> sockets) {
        inheritedUdp.putAll(sockets);
    }

    /** The descriptors of every UDP service's sockets, by address, to hand over to a successor. */
    public synchronized Map<InetSocketAddress, List<FileDescriptor>> udpSocketFds() {
        Map<InetSocketAddress, List<FileDescriptor>> fds = new HashMap<>();
        listeners.forEach((key, service) -> {
            if (key.protocol() != Protocol.UDP) return;
            List<FileDescriptor> own = new ArrayList<>();
            for (Channel ch : UdpNatListener.sockets(service)) {
                if (ch instanceof io.netty.channel.unix.UnixChannel unix && ch.isActive()) own.add(unix.fd());
            }
            if (!own.isEmpty()) fds.put(new InetSocketAddress(key.address(), key.port()), own);
        });
        return fds;
    }

    /** The descriptors of every TCP listening socket, by address, to hand over to a successor. */
    public synchronized Map<InetSocketAddress, List<FileDescriptor>> tcpListenerFds() {
        Map<InetSocketAddress, List<FileDescriptor>> fds = new HashMap<>();
        tcpListeners.forEach((key, listener) -> {
            List<FileDescriptor> own = listener.fds();
            if (!own.isEmpty()) fds.put(new InetSocketAddress(key.address(), key.port()), own);
        });
        return fds;
    }

    /** After a takeover: closes received sockets no service asked for (nobody would accept on them). */
    public synchronized void closeUnadopted() {
        List<List<FileDescriptor>> left = new ArrayList<>(inherited.values());
        left.addAll(inheritedUdp.values());
        for (List<FileDescriptor> fds : left) {
            for (FileDescriptor fd : fds) {
                try {
                    fd.close();
                } catch (java.io.IOException ignored) {
                    // already gone
                }
            }
        }
        inherited.clear();
        inheritedUdp.clear();
    }

    /**
     * Taken over: stops accepting on the TCP listeners without closing their sockets (the successor serves
     * them; connections already queued are accepted there), and stops reading the UDP sockets, which the successor
     * reads now; they stay open here for the replies of the sessions still open, which end once idle.
     */
    public synchronized void stopAccepting() {
        takenOver = true;
        retries.shutdownNow();
        wanted.clear();
        for (TcpListener tcp : tcpListeners.values()) tcp.stopAccepting();
        for (Channel ch : listeners.values()) UdpNatListener.stopReading(ch);
    }

    /** Failed accepts on the TCP listeners since start (metrics); each pauses its listener, none closes it. */
    public long acceptErrors() {
        return acceptErrors.count();
    }

    /** Times the TCP listeners stopped accepting to stay within the open-file limit (metrics). */
    public long acceptPauses() {
        return gate.pauses();
    }

    /** Connections proxied right now (a director taken over drains them before it exits). */
    public int openConnections() {
        return limits.open();
    }

    @Override
    public synchronized void rulesChanged(List<VirtualService> services) {
        if (takenOver) return; // the successor listens now, whatever our (health-checked) table says
        Set<ServiceKey> wanted = new HashSet<>();
        for (VirtualService service : services) {
            ServiceKey key = service.config().key();
            if (proxies(service)) {
                wanted.add(key);
            } else {
                explainNotForwarded(service);
            }
        }
        this.wanted.clear();
        this.wanted.addAll(wanted);
        failing.retainAll(wanted);
        bindErrors.keySet().retainAll(wanted);
        listeners.entrySet().removeIf(entry -> {
            if (wanted.contains(entry.getKey())) return false;
            log.info("closing listener {}", describe(entry.getKey()));
            entry.getValue().close();
            return true;
        });
        tcpListeners.entrySet().removeIf(entry -> {
            if (wanted.contains(entry.getKey())) return false;
            log.info("closing listener {}", describe(entry.getKey()));
            entry.getValue().close();
            return true;
        });
        Map<ServiceKey, List<ChannelFuture>> binding = new HashMap<>();
        for (ServiceKey key : wanted) {
            if (!listeners.containsKey(key) && !tcpListeners.containsKey(key)) binding.put(key, listen(key));
        }
        // This runs on the table's control thread, never on an event loop: wait until the new VIPs are bound, so a
        // change counts as applied (and ipvsadm returns) only once its listeners accept connections, and a bind
        // that failed is known before ipvsadm asks (problem) — bindFailed, which retries, runs later.
        binding.forEach((key, futures) -> {
            for (ChannelFuture bound : futures) {
                bound.awaitUninterruptibly(BIND_WAIT_MILLIS);
                if (bound.isDone() && !bound.isSuccess()) {
                    bindErrors.put(key, reason(bound.cause()));
                    break;
                }
            }
        });
        countSockets();
    }

    /** Tells the gate how many descriptors the listening sockets take (they count against the same limit). */
    private void countSockets() {
        int sockets = listeners.size();
        for (TcpListener tcp : tcpListeners.values()) sockets += tcp.size();
        gate.listeningSockets(sockets);
    }

    /**
     * Why the listener of a service the table asks for is not bound: its last bind error, with what happens next
     * ({@code ipvsadm} prints it and exits non-zero; the service stays in the table).
     */
    @Override
    public synchronized String problem(ServiceKey key) {
        String error = wanted.contains(key) && !listening(key) ? bindErrors.get(key) : null;
        if (error == null) return null;
        return describe(key) + ": cannot listen: " + error + " (the service stays in the table; the director"
                + " retries the bind every " + BIND_RETRY_SECONDS + " s)";
    }

    /** A bind error's reason without Netty's call prefix ("bind(..) failed with error(-98): "). */
    private static String reason(Throwable cause) {
        String message = String.valueOf(cause.getMessage());
        int colon = message.lastIndexOf(": ");
        return message.startsWith("bind(") && colon > 0 ? message.substring(colon + 2) : message;
    }

    /**
     * A service is proxied when it is a TCP or UDP address service whose real servers are all NAT. A UDP service
     * keeps its socket even with no real server: its sessions still need it for their replies after their real
     * server was deleted, and new datagrams are dropped there as IPVS drops them.
     */
    static boolean proxies(VirtualService service) {
        List<Dest> dests = service.dests();
        boolean allNat = dests.stream().allMatch(d -> d.config().method() == ForwardMethod.MASQ);
        return proxies(service.config().key(), dests.size(), allNat);
    }

    /** As {@link #proxies(VirtualService)}, from the service's key, its number of real servers and their method. */
    static boolean proxies(ServiceKey key, int servers, boolean allNat) {
        if (key.isFwmark() || !allNat) return false;
        return key.protocol() == Protocol.UDP || key.protocol() == Protocol.TCP && servers > 0;
    }

    /** Says once per service why it carries no traffic yet in this release. */
    private void explainNotForwarded(VirtualService service) {
        ServiceKey key = service.config().key();
        List<Dest> dests = service.dests();
        String reason;
        if (key.isFwmark()) {
            reason = "firewall-mark services are not forwarded by this JVS release";
        } else if (!dests.isEmpty() && dests.stream().anyMatch(d -> d.config().method().isPacketMode())) {
            if (dests.stream().allMatch(d -> d.config().method().isPacketMode())) {
                return; // the packet path (dev.jvs.director.packet) forwards it, or says why it cannot
            }
            reason = "mixes NAT and packet-mode real servers";
        } else if (key.protocol() == Protocol.SCTP) {
            reason = "SCTP services are not forwarded by this JVS release (TCP and UDP NAT only)";
        } else {
            return;
        }
        if (notForwardedLogged.add(key)) log.warn("{}: {}", describe(key), reason);
    }

    /** Starts binding the listener(s) of {@code key}; returns their bind futures. */
    private List<ChannelFuture> listen(ServiceKey key) {
        if (key.protocol() == Protocol.TCP) return listenTcp(key);
        List<FileDescriptor> adopted = inheritedUdp.remove(new InetSocketAddress(key.address(), key.port()));
        ChannelFuture bound = adopted != null
                ? UdpNatListener.adopt(adopted, key, transport, workers, rules, connections, scheduling, limits,
                announcer)
                : UdpNatListener.bind(key, transport, workers, rules, connections, scheduling, limits, announcer);
        listeners.put(key, bound.channel());
        bound.addListener(f -> {
            if (f.isSuccess()) {
                log.info("listening on {} ({})", describe(key), transport.optionName());
            } else {
                retries.execute(() -> bindFailed(key, bound.channel(), f.cause()));
            }
        });
        return List.of(bound);
    }

    /** A listener that cannot bind is an error once, then retried quietly until it binds or is no longer wanted. */
    private synchronized void bindFailed(ServiceKey key, Object listener, Throwable cause) {
        if (listeners.get(key) != listener && tcpListeners.get(key) != listener) return; // closed or replaced
        Channel udp = listeners.remove(key);
        if (udp != null) udp.close();
        TcpListener tcp = tcpListeners.remove(key);
        if (tcp != null) tcp.close();
        bindErrors.put(key, reason(cause));
        countSockets();
        if (failing.add(key)) {
            log.error("cannot listen on {}: {}; retrying every {} s", describe(key), cause.getMessage(),
                    BIND_RETRY_SECONDS);
        }
        retries.schedule(() -> retryListen(key), BIND_RETRY_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
    }

    private synchronized void retryListen(ServiceKey key) {
        if (wanted.contains(key) && !listeners.containsKey(key) && !tcpListeners.containsKey(key)
                && !retries.isShutdown()) {
            listen(key);
            countSockets();
        }
    }

    /** The services whose listener the table asks for but is not bound (yet); empty when all are. */
    public synchronized List<String> notListening() {
        List<String> missing = new ArrayList<>();
        for (ServiceKey key : wanted) {
            if (!listening(key)) missing.add(describe(key));
        }
        return missing;
    }

    private List<ChannelFuture> listenTcp(ServiceKey key) {
        TcpService service = new TcpService(key, rules, connections, scheduling, limits, transport, splice);
        ChannelInitializer<SocketChannel> init = new ChannelInitializer<>() {
            /** Sharable, as every initializer: said here so each accept skips Netty's per-thread lookup of it. */
            @Override
            public boolean isSharable() {
                return true;
            }

            @Override
            protected void initChannel(SocketChannel ch) {
                if (service.splice()) ch.config().setRecvByteBufAllocator(new SpliceRelay()); // counts splices
                ch.pipeline().addLast(new FrontendHandler(service, connectPolicy, announcer, pairObserver));
            }
        };
        List<FileDescriptor> adopted = inherited.remove(new InetSocketAddress(key.address(), key.port()));
        TcpListener listener = adopted != null
                ? TcpListener.adopt(adopted, workers, loopBalance, init, listenerHandlers)
                : TcpListener.bind(key, transport, acceptors, workers, loopBalance, init, listenerHandlers);
        tcpListeners.put(key, listener);
        listener.whenBound(failure -> {
            if (failure == null) {
                log.info("listening on {} ({}, {} socket{})", describe(key), transport.optionName(), listener.size(),
                        listener.size() == 1 ? "" : "s with SO_REUSEPORT");
            } else {
                retries.execute(() -> bindFailed(key, listener, failure));
            }
        });
        return listener.futures();
    }

    /** True once the listener of {@code key} is bound (binding is asynchronous). */
    synchronized boolean listening(ServiceKey key) {
        TcpListener tcp = tcpListeners.get(key);
        if (tcp != null) return tcp.isActive();
        Channel ch = listeners.get(key);
        return ch != null && ch.isActive();
    }

    /** The listening channels of a TCP service (one per event loop with SO_REUSEPORT), for tests. */
    synchronized List<Channel> tcpListeningChannels(ServiceKey key) {
        TcpListener tcp = tcpListeners.get(key);
        return tcp == null ? List.of() : tcp.channels();
    }

    static String describe(ServiceKey key) {
        if (key.isFwmark()) return "FWM " + key.fwmark();
        String host = key.address().getHostAddress();
        if (key.ipv6()) host = "[" + host + "]";
        return key.protocol().label() + " " + host + ":" + key.port();
    }

    /** Stops accepting on every listener (TCP connections in flight keep running until they end; UDP sessions end). */
    @Override
    public synchronized void close() {
        retries.shutdownNow();
        wanted.clear();
        for (Channel ch : listeners.values()) ch.close().syncUninterruptibly();
        listeners.clear();
        for (TcpListener tcp : tcpListeners.values()) tcp.close();
        tcpListeners.clear();
    }
}

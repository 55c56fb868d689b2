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
    /** Bind retries run here, never on an event loop (they take this object's lock). */
    private final java.util.concurrent.ScheduledExecutorService retries =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "jvs-listen-retry");
                t.setDaemon(true);
                return t;
            });
    static final long BIND_RETRY_SECONDS = 2;
    private static final long BIND_WAIT_MILLIS = 2_000;
    private volatile ConnectPolicy connectPolicy = ConnectPolicy.DEFAULT;
    private volatile ConnectionAnnouncer announcer = ConnectionAnnouncer.NONE;
    private volatile boolean splice;
    /** Listening sockets received with {@code --takeover}, served instead of binding until the table drops them. */
    private final Map<InetSocketAddress, List<FileDescriptor>> inherited = new HashMap<>();

    public NatProxy(Transport transport, EventLoopGroup acceptors, EventLoopGroup workers,
                    RuleTable rules, ConnectionTable connections, Scheduling scheduling, ConnectionLimits limits) {
        this.transport = transport;
        this.limits = limits;
        this.acceptors = acceptors;
        this.workers = workers;
        this.rules = rules;
        this.connections = connections;
        this.scheduling = scheduling;
    }

    /** Sets the connect timeout, redispatch and passive-health listener for connections accepted from now on. */
    public void connectPolicy(ConnectPolicy policy) {
        this.connectPolicy = java.util.Objects.requireNonNull(policy, "policy");
    }

    /**
     * Whether TCP services listening from now on relay with splice(2) where nothing needs to see the bytes (the
     * epoll transport only; others copy). {@code --splice}.
     */
    public void splice(boolean on) {
        this.splice = on;
    }

    /** Where connections accepted from now on report their traffic for connection sync. */
    public void announcer(ConnectionAnnouncer announcer) {
        this.announcer = java.util.Objects.requireNonNull(announcer, "announcer");
    }

    /** Whether a listener for this service is bound (TCP: every SO_REUSEPORT socket of it). */
    public synchronized boolean isListening(ServiceKey key) {
        return listening(key);
    }

    /** Serves these listening sockets (from the director taken over) for their TCP services instead of binding. */
    public synchronized void inherit(Map<InetSocketAddress, List<FileDescriptor>> sockets) {
        inherited.putAll(sockets);
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
        for (List<FileDescriptor> fds : inherited.values()) {
            for (FileDescriptor fd : fds) {
                try {
                    fd.close();
                } catch (java.io.IOException ignored) {
                    // already gone
                }
            }
        }
        inherited.clear();
    }

    /**
     * Taken over: stops accepting on the TCP listeners without closing their sockets (the successor serves
     * them; connections already queued are accepted there), and closes the UDP sockets so that it can bind them.
     */
    public synchronized void stopAccepting() {
        retries.shutdownNow();
        wanted.clear();
        for (TcpListener tcp : tcpListeners.values()) tcp.stopAccepting();
        for (Channel ch : listeners.values()) ch.close().syncUninterruptibly();
        listeners.clear();
    }

    /** Connections proxied right now (a director taken over drains them before it exits). */
    public int openConnections() {
        return limits.open();
    }

    @Override
    public synchronized void rulesChanged(List<VirtualService> services) {
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
        List<ChannelFuture> binding = new ArrayList<>();
        for (ServiceKey key : wanted) {
            if (!listeners.containsKey(key) && !tcpListeners.containsKey(key)) binding.addAll(listen(key));
        }
        // This runs on the table's control thread, never on an event loop: wait until the new VIPs are bound, so a
        // change counts as applied (and ipvsadm returns) only once its listeners accept connections.
        for (ChannelFuture bound : binding) bound.awaitUninterruptibly(BIND_WAIT_MILLIS);
    }

    /**
     * A service is proxied when it is a TCP or UDP address service whose real servers are all NAT. A UDP service
     * keeps its socket even with no real server: its sessions still need it for their replies after their real
     * server was deleted, and new datagrams are dropped there as IPVS drops them.
     */
    static boolean proxies(VirtualService service) {
        ServiceKey key = service.config().key();
        List<Dest> dests = service.dests();
        boolean allNat = dests.stream().allMatch(d -> d.config().method() == ForwardMethod.MASQ);
        if (key.isFwmark() || !allNat) return false;
        return key.protocol() == Protocol.UDP || key.protocol() == Protocol.TCP && !dests.isEmpty();
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
        ChannelFuture bound =
                UdpNatListener.bind(key, transport, workers, rules, connections, scheduling, limits, announcer);
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
            @Override
            protected void initChannel(SocketChannel ch) {
                if (service.splice()) ch.config().setRecvByteBufAllocator(new SpliceRelay()); // counts splices
                ch.pipeline().addLast(new FrontendHandler(service, connectPolicy, announcer, pairObserver));
            }
        };
        List<FileDescriptor> adopted = inherited.remove(new InetSocketAddress(key.address(), key.port()));
        TcpListener listener = adopted != null
                ? TcpListener.adopt(adopted, workers, init)
                : TcpListener.bind(key, transport, acceptors, workers, init);
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

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
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
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
    /** Owned by the rule-table writer thread (rulesChanged) and close(). */
    private final Map<ServiceKey, Channel> listeners = new HashMap<>();
    private final Set<ServiceKey> notForwardedLogged = new HashSet<>();
    private volatile ConnectPolicy connectPolicy = ConnectPolicy.DEFAULT;
    private volatile ConnectionAnnouncer announcer = ConnectionAnnouncer.NONE;

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

    /** Where connections accepted from now on report their traffic for connection sync. */
    public void announcer(ConnectionAnnouncer announcer) {
        this.announcer = java.util.Objects.requireNonNull(announcer, "announcer");
    }

    /** Whether a listener for this service is bound. */
    public synchronized boolean isListening(ServiceKey key) {
        return listeners.containsKey(key);
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
        listeners.entrySet().removeIf(entry -> {
            if (wanted.contains(entry.getKey())) return false;
            log.info("closing listener {}", describe(entry.getKey()));
            entry.getValue().close();
            return true;
        });
        for (ServiceKey key : wanted) {
            if (!listeners.containsKey(key)) listen(key);
        }
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

    private void listen(ServiceKey key) {
        ChannelFuture bound = key.protocol() == Protocol.UDP
                ? UdpNatListener.bind(key, transport, workers, rules, connections, scheduling, limits, announcer)
                : listenTcp(key);
        listeners.put(key, bound.channel());
        bound.addListener(f -> {
            if (f.isSuccess()) {
                log.info("listening on {} ({})", describe(key), transport.optionName());
            } else {
                log.error("cannot listen on {}: {}", describe(key), f.cause().getMessage());
            }
        });
    }

    private ChannelFuture listenTcp(ServiceKey key) {
        InetSocketAddress vip = new InetSocketAddress(key.address(), key.port());
        ServerBootstrap b = new ServerBootstrap()
                .group(acceptors, workers)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new LimitHandler(key, rules, limits),
                                new FrontendHandler(key, rules, connections, scheduling, transport, connectPolicy,
                                        announcer));
                    }
                });
        if (transport.freebindOption() != null) {
            // As with IPVS, a VIP need not be local yet (e.g. on a backup director): receive once it arrives.
            b.option(transport.freebindOption(), true);
        }
        return b.bind(vip);
    }

    /** True once the listener of {@code key} is bound (binding is asynchronous). */
    synchronized boolean listening(ServiceKey key) {
        Channel ch = listeners.get(key);
        return ch != null && ch.isActive();
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
        for (Channel ch : listeners.values()) ch.close().syncUninterruptibly();
        listeners.clear();
    }
}

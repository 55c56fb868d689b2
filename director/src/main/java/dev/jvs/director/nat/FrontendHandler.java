package dev.jvs.director.nat;

import dev.jvs.director.conn.Connection;
import dev.jvs.director.conn.ConnectionTable;
import dev.jvs.director.conn.Direction;
import dev.jvs.director.conn.Scheduling;
import dev.jvs.director.conn.TcpEvent;
import dev.jvs.director.net.Transport;
import dev.jvs.director.rules.Dest;
import dev.jvs.director.rules.RuleTable;
import dev.jvs.director.rules.VirtualService;
import dev.jvs.director.sync.ConnectionAnnouncer;
import dev.jvs.model.ClientIpMode;
import dev.jvs.model.Protocol;
import dev.jvs.model.ServiceKey;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Client side of one proxied connection. On accept it schedules a real server (persistence template first),
 * connects to it on the same event loop (so both halves are owned by one thread), then relays client bytes to
 * the backend. Backpressure: this side stops reading while the backend channel is not writable.
 *
 * <p>The real server's client-address mode decides how it learns the client: a PROXY protocol header sent
 * before any client byte, or (transparent) a backend socket bound to the client's own address. A refused or
 * timed-out connect is retried once on another real server (passive health) unless redispatch is off.
 */
final class FrontendHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(FrontendHandler.class);
    /** The transport is fixed for the process, so saying once that it cannot do transparent is enough. */
    private static final AtomicBoolean transparentRefusalLogged = new AtomicBoolean();

    private final ServiceKey serviceKey;
    private final RuleTable rules;
    private final ConnectionTable connections;
    private final Scheduling scheduling;
    private final Transport transport;
    private final ConnectPolicy policy;
    private final ConnectionAnnouncer announcer;
    private ProxiedConnection pair;

    FrontendHandler(ServiceKey serviceKey, RuleTable rules, ConnectionTable connections, Scheduling scheduling,
                    Transport transport, ConnectPolicy policy, ConnectionAnnouncer announcer) {
        this.announcer = announcer;
        this.serviceKey = serviceKey;
        this.rules = rules;
        this.connections = connections;
        this.scheduling = scheduling;
        this.transport = transport;
        this.policy = policy;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Channel client = ctx.channel();
        InetSocketAddress clientAddress = (InetSocketAddress) client.remoteAddress();
        InetSocketAddress vip = (InetSocketAddress) client.localAddress();
        VirtualService service = rules.find(serviceKey);
        // persistence template first, then the scheduler
        Connection entry = service == null ? null
                : scheduling.newConnection(service, Protocol.TCP, clientAddress, vip);
        if (entry == null) {
            // No real server can take it (all quiescent, overloaded or deleted): refuse, as IPVS does.
            client.close();
            return;
        }
        connect(client, service, entry, true);
    }

    /** Connects {@code entry}'s real server; a failed first attempt may be redispatched once to another one. */
    private void connect(Channel client, VirtualService service, Connection entry, boolean firstAttempt) {
        InetSocketAddress clientAddress = entry.client();
        InetSocketAddress vip = entry.virtual();
        Dest dest = entry.dest();
        track(entry);
        ClientIpMode clientIp = dest.config().clientIp();
        if (clientIp == ClientIpMode.TRANSPARENT && transport.transparentOption() == null) {
            if (transparentRefusalLogged.compareAndSet(false, true)) {
                log.error("real server {} is --transparent, but the {} transport cannot set IP_TRANSPARENT;"
                        + " its clients are closed (run the director with --transport epoll or io_uring)",
                        dest.config().socketAddress(), transport.optionName());
            }
            connections.remove(entry);
            client.close();
            return;
        }
        entry.tcpEvent(Direction.INPUT, TcpEvent.SYN);
        entry.touch(System.nanoTime());
        announcer.packetIn(entry); // the SYN: its persistence template goes to the backups
        ProxiedConnection attempt = new ProxiedConnection(client, entry, connections);
        pair = attempt;
        // --expire-nodest-conn: the table drops entries of deleted servers; cut their sockets too
        entry.onForcedExpiry(() -> client.eventLoop().execute(() -> {
            client.close();
            if (attempt.backend != null) attempt.backend.close();
        }));

        InetSocketAddress target = dest.config().socketAddress();
        Bootstrap b = new Bootstrap()
                .group(client.eventLoop())
                .channel(transport.socketChannel())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, policy.connectTimeoutMillis())
                .handler(new BackendHandler(attempt));
        ChannelFuture connect;
        if (clientIp == ClientIpMode.TRANSPARENT) {
            // The client's IP with an ephemeral port, not the client's port: that port may still be held by a
            // TIME_WAIT backend socket of an earlier connection, or by this client's connection to another VIP
            // on the same real server, and a fixed port would then fail to bind. Real servers see the client's
            // IP (what logs and ACLs use); only its port differs.
            b.option(transport.transparentOption(), true);
            connect = b.connect(target, new InetSocketAddress(clientAddress.getAddress(), 0));
        } else {
            connect = b.connect(target);
        }
        attempt.backend = connect.channel();
        connect.addListener(f -> {
            if (f.isSuccess()) {
                switch (clientIp) {
                    case PROXY_V1 -> ProxyProtocolHeader.send(attempt.backend, HAProxyProtocolVersion.V1, clientAddress, vip);
                    case PROXY_V2 -> ProxyProtocolHeader.send(attempt.backend, HAProxyProtocolVersion.V2, clientAddress, vip);
                    case NONE, TRANSPARENT -> {
                    }
                }
                attempt.backendConnected();
                return;
            }
            String reason = f.cause().getMessage();
            policy.failures().connectFailed(serviceKey, target, reason);
            Dest other = firstAttempt && policy.redispatch() && client.isActive() ? another(service, clientAddress, dest) : null;
            if (other != null) {
                // Passive health: the client never sees this failure; its entry moves to the other server.
                log.info("real server {} did not accept a connection for client {} ({}); retrying on {}",
                        target, clientAddress, reason, other.config().socketAddress());
                connections.remove(entry);
                Connection retry = new Connection(Protocol.TCP, clientAddress, vip, other, connections.timeouts(),
                        System.nanoTime());
                connect(client, service, retry, false);
            } else {
                log.warn("real server {} did not accept a connection for client {}: {}", target, clientAddress, reason);
                attempt.backendFailed();
            }
        });
    }

    /** A real server other than {@code failed}, chosen by the scheduler; null if it offers none. */
    private static Dest another(VirtualService service, InetSocketAddress client, Dest failed) {
        for (int i = 0; i < service.dests().size(); i++) {
            Dest d = service.schedule(client);
            if (d == null) return null;
            if (d != failed && !d.config().sameEndpoint(failed.config())) return d;
        }
        return null;
    }

    /**
     * Enters the new connection in the table, held while its sockets are open. A leftover entry for the same
     * client address and port (TIME_WAIT of an earlier connection) is expired first, as IPVS does when a new
     * SYN reuses it.
     */
    private void track(Connection entry) {
        entry.hold();
        while (!connections.insert(entry)) {
            Connection old = connections.get(Protocol.TCP, entry.client(), entry.virtual());
            if (old != null) connections.remove(old);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf data = (ByteBuf) msg;
        pair.entry.countIn(data.readableBytes());
        pair.active();
        announcer.packetIn(pair.entry); // a read counts as a packet for sync
        pair.backend.write(data, pair.backend.voidPromise());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (pair == null) return;
        pair.backend.flush();
        if (!pair.backend.isWritable()) ctx.channel().config().setAutoRead(false);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // The client drained what the backend sent: let the backend side read again.
        if (pair != null && ctx.channel().isWritable() && pair.backendReady) pair.backend.config().setAutoRead(true);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent && pair != null) {
            pair.clientFinished();
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (pair != null) pair.clientClosed();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("client connection error: {}", cause.toString());
        if (pair != null) pair.reset(Direction.INPUT);
        ctx.close();
    }
}

package dev.jvs.director.nat;

import dev.jvs.director.conn.Connection;
import dev.jvs.director.conn.ConnectionTable;
import dev.jvs.director.conn.Direction;
import dev.jvs.director.conn.TcpEvent;
import dev.jvs.director.net.Transport;
import dev.jvs.director.rules.Dest;
import dev.jvs.director.rules.RuleTable;
import dev.jvs.director.rules.VirtualService;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;

/**
 * Client side of one proxied connection. On accept it schedules a real server, connects to it on the same
 * event loop (so both halves are owned by one thread), then relays client bytes to the backend.
 * Backpressure: this side stops reading while the backend channel is not writable.
 */
final class FrontendHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(FrontendHandler.class);

    private final ServiceKey serviceKey;
    private final RuleTable rules;
    private final ConnectionTable connections;
    private final Transport transport;
    private final ConnectPolicy policy;
    private ProxiedConnection pair;

    FrontendHandler(ServiceKey serviceKey, RuleTable rules, ConnectionTable connections, Transport transport,
                    ConnectPolicy policy) {
        this.serviceKey = serviceKey;
        this.rules = rules;
        this.connections = connections;
        this.transport = transport;
        this.policy = policy;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Channel client = ctx.channel();
        InetSocketAddress clientAddress = (InetSocketAddress) client.remoteAddress();
        VirtualService service = rules.find(serviceKey);
        Dest dest = service == null ? null : service.schedule(clientAddress);
        if (dest == null) {
            // No real server can take it (all quiescent, overloaded or deleted): refuse, as IPVS does.
            client.close();
            return;
        }
        connect(client, clientAddress, service, dest, true);
    }

    /** Connects to {@code dest}; a failed first attempt may be redispatched once to another real server. */
    private void connect(Channel client, InetSocketAddress clientAddress, VirtualService service, Dest dest,
                         boolean firstAttempt) {
        Connection entry = track(clientAddress, (InetSocketAddress) client.localAddress(), dest);
        entry.tcpEvent(Direction.INPUT, TcpEvent.SYN);
        ProxiedConnection attempt = new ProxiedConnection(client, entry);
        pair = attempt;

        InetSocketAddress target = dest.config().socketAddress();
        ChannelFuture connect = new Bootstrap()
                .group(client.eventLoop())
                .channel(transport.socketChannel())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, policy.connectTimeoutMillis())
                .handler(new BackendHandler(attempt))
                .connect(target);
        attempt.backend = connect.channel();
        connect.addListener(f -> {
            if (f.isSuccess()) {
                attempt.backendConnected();
                return;
            }
            String reason = f.cause().getMessage();
            policy.failures().connectFailed(serviceKey, target, reason);
            Dest other = firstAttempt && policy.redispatch() && client.isActive() ? another(service, clientAddress, dest) : null;
            if (other != null) {
                // Passive health: the client never sees this failure; the entry moves to the other server.
                log.info("real server {} did not accept a connection for client {} ({}); retrying on {}",
                        target, clientAddress, reason, other.config().socketAddress());
                connections.remove(entry);
                connect(client, clientAddress, service, other, false);
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
    private Connection track(InetSocketAddress clientAddress, InetSocketAddress vip, Dest dest) {
        Connection entry = new Connection(Protocol.TCP, clientAddress, vip, dest, connections.timeouts(), System.nanoTime());
        entry.hold();
        while (!connections.insert(entry)) {
            Connection old = connections.get(Protocol.TCP, clientAddress, vip);
            if (old != null) connections.remove(old);
        }
        return entry;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf data = (ByteBuf) msg;
        pair.entry.countIn(data.readableBytes());
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

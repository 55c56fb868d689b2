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
 * Client side of one proxied connection. On accept it schedules a real server, connects to it on the same
 * event loop (so both halves are owned by one thread), then relays client bytes to the backend.
 * Backpressure: this side stops reading while the backend channel is not writable.
 *
 * <p>The real server's client-address mode decides how it learns the client: a PROXY protocol header sent
 * before any client byte, or (transparent) a backend socket bound to the client's own address.
 */
final class FrontendHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(FrontendHandler.class);
    static final int CONNECT_TIMEOUT_MILLIS = 5_000;
    /** The transport is fixed for the process, so saying once that it cannot do transparent is enough. */
    private static final AtomicBoolean transparentRefusalLogged = new AtomicBoolean();

    private final ServiceKey serviceKey;
    private final RuleTable rules;
    private final ConnectionTable connections;
    private final Scheduling scheduling;
    private final Transport transport;
    private ProxiedConnection pair;

    FrontendHandler(ServiceKey serviceKey, RuleTable rules, ConnectionTable connections, Scheduling scheduling,
                    Transport transport) {
        this.serviceKey = serviceKey;
        this.rules = rules;
        this.connections = connections;
        this.scheduling = scheduling;
        this.transport = transport;
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
        Dest dest = entry.dest();
        track(entry, clientAddress, vip);
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
        pair = new ProxiedConnection(client, entry, connections);
        ProxiedConnection closing = pair;
        // --expire-nodest-conn: the table drops entries of deleted servers; cut their sockets too
        entry.onForcedExpiry(() -> client.eventLoop().execute(() -> {
            client.close();
            if (closing.backend != null) closing.backend.close();
        }));

        InetSocketAddress target = dest.config().socketAddress();
        Bootstrap b = new Bootstrap()
                .group(client.eventLoop())
                .channel(transport.socketChannel())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
                .handler(new BackendHandler(pair));
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
        pair.backend = connect.channel();
        connect.addListener(f -> {
            if (f.isSuccess()) {
                switch (clientIp) {
                    case PROXY_V1 -> ProxyProtocolHeader.send(pair.backend, HAProxyProtocolVersion.V1, clientAddress, vip);
                    case PROXY_V2 -> ProxyProtocolHeader.send(pair.backend, HAProxyProtocolVersion.V2, clientAddress, vip);
                    case NONE, TRANSPARENT -> {
                    }
                }
                pair.backendConnected();
            } else {
                log.warn("real server {} did not accept a connection for client {}: {}",
                        target, clientAddress, f.cause().getMessage());
                pair.backendFailed();
            }
        });
    }

    /**
     * Enters the new connection in the table, held while its sockets are open. A leftover entry for the same
     * client address and port (TIME_WAIT of an earlier connection) is expired first, as IPVS does when a new
     * SYN reuses it.
     */
    private void track(Connection entry, InetSocketAddress clientAddress, InetSocketAddress vip) {
        entry.hold();
        while (!connections.insert(entry)) {
            Connection old = connections.get(Protocol.TCP, clientAddress, vip);
            if (old != null) connections.remove(old);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf data = (ByteBuf) msg;
        pair.entry.countIn(data.readableBytes());
        pair.active();
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

package dev.jvs.director.nat;

import dev.jvs.director.conn.Connection;
import dev.jvs.director.conn.ConnectionTable;
import dev.jvs.director.conn.Direction;
import dev.jvs.director.conn.TcpEvent;
import dev.jvs.director.net.Transport;
import dev.jvs.director.rules.Dest;
import dev.jvs.director.rules.VirtualService;
import dev.jvs.director.sync.ConnectionAnnouncer;
import dev.jvs.model.ClientIpMode;
import dev.jvs.model.Protocol;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Client side of one proxied connection. On accept it schedules a real server (persistence template first),
 * connects to it on the same event loop (so both halves are owned by one thread), then relays client bytes to
 * the backend. Backpressure: this side stops reading while the backend channel is not writable.
 *
 * <p>The real server's client-address mode decides how it learns the client: a PROXY protocol header sent
 * before any client byte, or (transparent) a backend socket bound to the client's own address. A refused or
 * timed-out connect is retried once on another real server (passive health) unless redispatch is off.
 *
 * <p>First of all it admits the connection under {@code --max-conns} and {@code --max-connections}, or resets it.
 * Per connection it allocates this handler, the {@link ProxiedConnection}, the backend channel and its handler,
 * and the table entry: the connect result comes back to this handler, not to a new listener object.
 */
final class FrontendHandler extends ChannelInboundHandlerAdapter implements ChannelFutureListener {

    private static final Logger log = LoggerFactory.getLogger(FrontendHandler.class);
    /** The transport is fixed for the process, so saying once that it cannot do transparent is enough. */
    private static final AtomicBoolean transparentRefusalLogged = new AtomicBoolean();
    static final long DESCRIPTOR_RETRY_MILLIS = 100;

    private final TcpService service;
    private final ConnectionTable connections;
    private final ConnectPolicy policy;
    private final ConnectionAnnouncer announcer;
    private final PairObserver observer;
    private boolean admitted;
    private VirtualService virtualService;
    private boolean redispatched;
    private ProxiedConnection pair;

    /** One per connection, never shared; said here so that adding it skips Netty's per-thread annotation lookup. */
    @Override
    public boolean isSharable() {
        return false;
    }

    FrontendHandler(TcpService service, ConnectPolicy policy, ConnectionAnnouncer announcer, PairObserver observer) {
        this.service = service;
        this.connections = service.connections();
        this.policy = policy;
        this.announcer = announcer;
        this.observer = observer;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Channel client = ctx.channel();
        VirtualService vs = service.rules().find(service.key());
        int serviceMax = vs == null ? 0 : vs.config().maxConns();
        service.limits().admitting();
        if (!service.limits().tryAcquire(service.key(), serviceMax)) {
            // A reset, not a clean close: the client learns at once that it was not served.
            client.config().setOption(ChannelOption.SO_LINGER, 0);
            client.close();
            return;
        }
        admitted = true;
        InetSocketAddress clientAddress = (InetSocketAddress) client.remoteAddress();
        // persistence template first, then the scheduler
        Connection entry = vs == null ? null
                : service.scheduling().newConnection(vs, Protocol.TCP, clientAddress, service.vip());
        if (entry == null) {
            // No real server can take it (all quiescent, overloaded or deleted): refuse, as IPVS does.
            client.close();
            return;
        }
        virtualService = vs;
        connect(client, entry);
        // Read what came with the connection while the real server's socket connects: the request is then in hand
        // when the connect completes, an event-loop pass sooner. One read (autoRead stays off until connected), so
        // what is held meanwhile is one buffer. Not when splicing: spliced bytes would not queue behind it.
        if (pair != null && !service.splice() && client.isActive()) client.read();
    }

    /** Connects {@code entry}'s real server on the client's event loop. */
    private void connect(Channel client, Connection entry) {
        Dest dest = entry.dest();
        track(entry);
        ClientIpMode clientIp = dest.config().clientIp();
        Transport transport = service.transport();
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
        entry.onForcedExpiry(attempt);

        openBackend(attempt, System.nanoTime() + policy.connectTimeoutMillis() * 1_000_000L);
    }

    /**
     * Opens the real server's socket and connects it. Out of descriptors (EMFILE: the client took the last one),
     * the client is not refused: it waits, as clients wait in the listener's backlog, and the socket is tried
     * again every {@value #DESCRIPTOR_RETRY_MILLIS} ms until {@code deadlineNanos} (the connect timeout).
     */
    private void openBackend(ProxiedConnection attempt, long deadlineNanos) {
        Channel client = attempt.client;
        if (pair != attempt || !client.isActive()) return; // the client left while it waited
        SocketChannel backend;
        try {
            // Made here rather than by a Bootstrap: no option map copied per connection.
            backend = service.backendChannels().newChannel();
        } catch (ChannelException noDescriptor) {
            if (System.nanoTime() - deadlineNanos < 0) {
                client.eventLoop().schedule(() -> openBackend(attempt, deadlineNanos), DESCRIPTOR_RETRY_MILLIS,
                        TimeUnit.MILLISECONDS);
            } else {
                log.debug("no socket for a real server of client {}: {}", attempt.entry.client(), noDescriptor);
                attempt.backendFailed();
            }
            return;
        }
        Dest dest = attempt.entry.dest();
        ClientIpMode clientIp = dest.config().clientIp();
        Transport transport = service.transport();
        ChannelConfig config = backend.config();
        config.setAutoRead(false);
        config.setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        // TCP_NODELAY is on already: every Netty socket channel sets it when made (a second setsockopt saved)
        config.setConnectTimeoutMillis(policy.connectTimeoutMillis());
        if (transport.readBufferRingOption() != null) {
            config.setOption(transport.readBufferRingOption(), transport.readBufferGroup());
        }
        if (service.splice()) SpliceRelay.prepare(backend); // before it is registered
        if (clientIp == ClientIpMode.TRANSPARENT) config.setOption(transport.transparentOption(), true);
        backend.pipeline().addLast(new BackendHandler(attempt));
        attempt.backend = backend;
        observer.paired(client, backend);
        ChannelFuture registered = client.eventLoop().register(backend);
        if (registered.isDone()) {
            connectRegistered(attempt);
        } else {
            registered.addListener(f -> connectRegistered(attempt));
        }
    }

    private void connectRegistered(ProxiedConnection attempt) {
        Channel backend = attempt.backend;
        if (!backend.isRegistered()) {
            operationComplete(backend.newFailedFuture(new IllegalStateException("backend channel not registered")));
            return;
        }
        InetSocketAddress target = attempt.entry.destination();
        if (attempt.entry.dest().config().clientIp() == ClientIpMode.TRANSPARENT) {
            // The client's IP with an ephemeral port, not the client's port: that port may still be held by a
            // TIME_WAIT backend socket of an earlier connection, or by this client's connection to another VIP
            // on the same real server, and a fixed port would then fail to bind. Real servers see the client's
            // IP (what logs and ACLs use); only its port differs.
            backend.connect(target, new InetSocketAddress(clientOf(attempt).getAddress(), 0)).addListener(this);
        } else {
            backend.connect(target).addListener(this);
        }
    }

    /** The connect to the real server finished (this handler is its listener). */
    @Override
    public void operationComplete(ChannelFuture f) {
        ProxiedConnection attempt = pair;
        if (attempt == null || f.channel() != attempt.backend) return; // an earlier attempt's late news
        Connection entry = attempt.entry;
        InetSocketAddress clientAddress = clientOf(attempt);
        if (f.isSuccess()) {
            switch (entry.dest().config().clientIp()) {
                case PROXY_V1 -> ProxyProtocolHeader.send(attempt.backend, HAProxyProtocolVersion.V1, clientAddress,
                        service.vip());
                case PROXY_V2 -> ProxyProtocolHeader.send(attempt.backend, HAProxyProtocolVersion.V2, clientAddress,
                        service.vip());
                case NONE, TRANSPARENT -> {
                    // nothing needs to see the bytes: splice them when asked to and both channels can
                    if (service.splice() && SpliceRelay.possible(attempt.client, attempt.backend)) {
                        attempt.splice(announcer);
                    }
                }
            }
            boolean held = attempt.holdsEarly();
            attempt.backendConnected();
            // What the client sent meanwhile counts for sync now, established (as in IPVS, where data follows the
            // handshake): a template synced while its connection is not yet would reach the backups as NONE.
            if (held) announcer.packetIn(entry);
            return;
        }
        Dest dest = entry.dest();
        InetSocketAddress target = dest.config().socketAddress();
        String reason = String.valueOf(f.cause().getMessage());
        policy.failures().connectFailed(service.key(), target, reason);
        Channel client = attempt.client;
        Dest other = !redispatched && policy.redispatch() && client.isActive()
                ? another(virtualService, clientAddress, dest) : null;
        if (other != null) {
            // Passive health: the client never sees this failure; its entry moves to the other server.
            log.info("real server {} did not accept a connection for client {} ({}); retrying on {}",
                    target, clientAddress, reason, other.config().socketAddress());
            redispatched = true;
            connections.remove(entry);
            Connection retry = new Connection(Protocol.TCP, clientAddress, service.vip(), other,
                    connections.timeouts(), System.nanoTime());
            connect(client, retry);
            if (pair != attempt) pair.takeEarlyFrom(attempt); // what the client sent meanwhile goes to the other
        } else {
            log.warn("real server {} did not accept a connection for client {}: {}", target, clientAddress, reason);
            attempt.backendFailed();
        }
    }

    /** The client's address: its channel's, kept by the channel (the entry makes a new one each time it is asked). */
    private static InetSocketAddress clientOf(ProxiedConnection attempt) {
        return (InetSocketAddress) attempt.client.remoteAddress();
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
        connections.insertReplacing(entry);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf data = (ByteBuf) msg;
        pair.entry.countIn(data.readableBytes());
        pair.active();
        if (pair.backendReady) {
            announcer.packetIn(pair.entry); // a read counts as a packet for sync
            pair.backend.write(data, pair.backend.voidPromise());
        } else {
            pair.holdEarly(data); // read before the real server's socket connected; counted for sync once it is
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // spliceTo flushes and applies backpressure itself; before the connect, nothing was written
        if (pair == null || pair.spliced || !pair.backendReady) return;
        pair.backend.flush();
        if (!pair.backend.isWritable()) ctx.channel().config().setAutoRead(false);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // The client drained what the backend sent: let the backend side read again.
        if (pair != null && ctx.channel().isWritable() && pair.backendReady && !pair.spliced) {
            pair.backend.config().setAutoRead(true);
        }
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
        if (admitted) {
            admitted = false;
            service.limits().release(service.key());
        }
        if (pair != null) pair.clientClosed();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("client connection error: {}", cause.toString());
        if (pair != null) pair.reset(Direction.INPUT);
        ctx.close();
    }
}

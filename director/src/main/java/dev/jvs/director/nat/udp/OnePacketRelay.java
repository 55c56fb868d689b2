package dev.jvs.director.nat.udp;

import dev.jvs.director.net.Transport;
import dev.jvs.director.rules.Dest;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The upstream sockets of one-packet scheduling ({@code -o}) on one service socket, i.e. on one event loop.
 * A datagram borrows an idle socket connected to its real server (one is opened only when all are busy), and
 * the socket carries exactly one exchange at a time: the first reply on it belongs to that datagram's client
 * and makes it idle again. So replies need no matching by payload, and a steady load reuses as many sockets per
 * real server as it has datagrams in flight, instead of opening one per datagram.
 *
 * <p>A socket whose datagram got no reply within the reply window is closed rather than reused, so a late
 * reply can never reach the next client. Sockets left idle for a while are closed too. Everything here runs on
 * the service socket's event loop.
 */
final class OnePacketRelay {

    private static final Logger log = LoggerFactory.getLogger(OnePacketRelay.class);
    /** How long a datagram waits for its reply, at most (and at most the UDP timeout). */
    static final int REPLY_WINDOW_SECONDS = 5;
    /** An idle upstream socket is closed after this long unused (checked by {@link #sweep}). */
    static final long IDLE_CLOSE_NANOS = 10_000_000_000L;

    private final Channel listener;
    private final Transport transport;
    private final int virtualPort;
    private final Map<Dest, Pool> pools = new IdentityHashMap<>();

    OnePacketRelay(Channel listener, Transport transport, int virtualPort) {
        this.listener = listener;
        this.transport = transport;
        this.virtualPort = virtualPort;
    }

    /**
     * One datagram of a new one-packet connection to {@code dest} (ownership of {@code data} taken). As in IPVS
     * the connection is counted (+1 conns, +1 then -1 InActConn) and never entered in the table.
     */
    void forward(InetSocketAddress client, Dest dest, ByteBuf data, long now, long replyWindowNanos) {
        dest.bindConnection();
        dest.countIn(data.readableBytes());
        Pool pool = pools.get(dest);
        if (pool == null) {
            pool = new Pool(UdpNatListener.target(dest, virtualPort));
            pools.put(dest, pool);
        }
        Upstream socket = pool.idle.pollLast(); // the most recently used: its buffers are warm
        if (socket == null) {
            socket = pool.open();
        }
        socket.send(client, dest, data, now, replyWindowNanos);
        // The entry is freed as soon as its packet is sent, as the kernel does with one-packet entries.
        dest.unbind(false);
    }

    /** Closes sockets whose exchange timed out and sockets idle for long; called about once a second. */
    void sweep(long now) {
        for (Pool pool : pools.values()) {
            pool.sweep(now);
        }
        pools.values().removeIf(pool -> pool.all.isEmpty());
    }

    void closeAll() {
        for (Pool pool : pools.values()) {
            for (Upstream socket : new ArrayList<>(pool.all)) socket.close();
        }
        pools.clear();
    }

    /** Upstream sockets open (busy or idle), for tests. */
    int openSockets() {
        int n = 0;
        for (Pool pool : pools.values()) n += pool.all.size();
        return n;
    }

    /** The sockets to one real server. */
    private final class Pool {
        final InetSocketAddress target;
        final List<Upstream> all = new ArrayList<>();
        final ArrayDeque<Upstream> idle = new ArrayDeque<>();

        Pool(InetSocketAddress target) {
            this.target = target;
        }

        Upstream open() {
            Upstream socket = new Upstream(this);
            socket.connected = UdpNatListener.connectUpstream(transport, listener.eventLoop(), target, socket);
            socket.channel = socket.connected.channel();
            all.add(socket);
            return socket;
        }

        void sweep(long now) {
            for (int i = all.size() - 1; i >= 0; i--) {
                Upstream s = all.get(i);
                if (s.client != null ? now - s.deadline >= 0 : now - s.lastSend >= IDLE_CLOSE_NANOS) {
                    s.close();
                }
            }
        }
    }

    /** One connected upstream socket; its handler too. */
    private final class Upstream extends ChannelInboundHandlerAdapter {
        final Pool pool;
        Channel channel;
        ChannelFuture connected;
        /** The client of the exchange in flight, null while idle. */
        InetSocketAddress client;
        Dest dest;
        long deadline;
        long lastSend;
        boolean closed;

        Upstream(Pool pool) {
            this.pool = pool;
        }

        void send(InetSocketAddress client, Dest dest, ByteBuf data, long now, long replyWindowNanos) {
            this.client = client;
            this.dest = dest;
            this.deadline = now + replyWindowNanos;
            this.lastSend = now;
            if (connected.isDone()) {
                write(data);
            } else {
                connected.addListener(f -> write(data)); // only a socket's first datagram waits
            }
        }

        private void write(ByteBuf data) {
            if (connected.isSuccess() && !closed) {
                channel.writeAndFlush(data, channel.voidPromise());
            } else {
                data.release();
                if (connected.cause() != null) {
                    log.warn("cannot open a UDP socket to real server {}: {}", pool.target,
                            connected.cause().getMessage());
                }
                close();
            }
        }

        /** The reply: back to the client from the VIP; the socket is free for the next datagram. */
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            InetSocketAddress to = client;
            if (to == null || closed) {
                ReferenceCountUtil.release(msg); // a second reply to one datagram: IPVS would not relay it either
                return;
            }
            ByteBuf data = Datagrams.rightSized(
                    msg instanceof DatagramPacket packet ? packet.content() : (ByteBuf) msg, ctx.alloc());
            dest.countOut(data.readableBytes());
            listener.writeAndFlush(new DatagramPacket(data, to), listener.voidPromise());
            client = null;
            dest = null;
            pool.idle.addLast(this);
        }

        void close() {
            if (closed) return;
            closed = true;
            client = null;
            pool.all.remove(this);
            pool.idle.remove(this);
            channel.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // e.g. ICMP port unreachable from the real server: the datagram is lost, as in IPVS; the socket
            // stays busy until its reply window ends, then closes
            log.debug("one-packet datagram {} -> {}: {}", client, pool.target, cause.toString());
        }
    }
}

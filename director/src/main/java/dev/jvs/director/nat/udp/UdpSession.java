package dev.jvs.director.nat.udp;

import dev.jvs.director.conn.Connection;
import dev.jvs.director.conn.ConnectionTable;
import dev.jvs.director.net.Transport;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One client of a UDP service: its connection-table entry and its own upstream socket, connected to the
 * scheduled real server. Also the handler of that upstream socket: replies go back to the client from the VIP.
 *
 * <p>The session owns the UDP timeout, not the table's once-a-second sweep: the sweep runs on another thread and
 * could drop the entry while the socket stays open. The entry is therefore held (the sweep skips it) and this
 * session, on its event loop, closes the socket and removes the entry in one step when the client has been idle
 * for the timeout. Each datagram, either way, re-arms both the entry and the session's deadline.
 */
final class UdpSession extends ChannelInboundHandlerAdapter implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(UdpSession.class);
    /**
     * After a takeover the client's datagrams reach the successor: a session here only passes late replies, and
     * ends once none came for this long.
     */
    static final long DRAIN_IDLE_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final Channel listener;
    private final InetSocketAddress client;
    private final Connection entry;
    private final Map<InetSocketAddress, UdpSession> sessions;
    private final ConnectionTable connections;
    private Channel upstream;
    private ChannelFuture connected;
    private long deadlineNanos;
    private ScheduledFuture<?> timer;
    private boolean closed;
    private boolean draining;
    private final Runnable onEnd;

    UdpSession(Channel listener, InetSocketAddress client, Connection entry,
               Map<InetSocketAddress, UdpSession> sessions, ConnectionTable connections, Runnable onEnd) {
        this.onEnd = onEnd;
        this.listener = listener;
        this.client = client;
        this.entry = entry;
        this.sessions = sessions;
        this.connections = connections;
    }

    void open(Transport transport, long now) {
        deadlineNanos = now + timeoutNanos();
        timer = listener.eventLoop().schedule(this, deadlineNanos - now, TimeUnit.NANOSECONDS);
        connected = UdpNatListener.connectUpstream(transport, listener.eventLoop(), entry.destination(), this);
        upstream = connected.channel();
        connected.addListener(f -> {
            if (!f.isSuccess()) {
                log.warn("cannot open a UDP socket to real server {}: {}", entry.destination(), f.cause().getMessage());
                close();
            }
        });
    }

    Connection entry() {
        return entry;
    }

    /** A datagram from the client, on to the real server; takes ownership of {@code data}. */
    void forward(ByteBuf data, long now) {
        if (closed) {
            data.release();
            return;
        }
        entry.countIn(data.readableBytes());
        touch(now);
        if (connected.isDone()) {
            upstream.writeAndFlush(data, upstream.voidPromise());
        } else {
            connected.addListener(f -> upstream.writeAndFlush(data, upstream.voidPromise()));
        }
    }

    /** A reply from the real server, back to the client from the VIP. */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf data = Datagrams.rightSized(msg instanceof DatagramPacket packet ? packet.content() : (ByteBuf) msg,
                ctx.alloc());
        entry.countOut(data.readableBytes());
        touch(System.nanoTime());
        listener.writeAndFlush(new DatagramPacket(data, client), listener.voidPromise());
    }

    private void touch(long now) {
        entry.touch(now);
        deadlineNanos = now + timeoutNanos();
    }

    /** The expiry timer: it fires at the deadline the session had when it was armed and re-arms if touched since. */
    @Override
    public void run() {
        long left = deadlineNanos - System.nanoTime();
        if (left > 0) {
            timer = listener.eventLoop().schedule(this, left, TimeUnit.NANOSECONDS);
        } else {
            close();
        }
    }

    /** Taken over: from now on the session ends once idle for {@link #DRAIN_IDLE_NANOS} (re-armed by replies). */
    void drain(long now) {
        if (closed || draining) return;
        draining = true;
        deadlineNanos = Math.min(deadlineNanos, now + DRAIN_IDLE_NANOS);
        if (timer != null) timer.cancel(false);
        timer = listener.eventLoop().schedule(this, Math.max(0, deadlineNanos - now), TimeUnit.NANOSECONDS);
    }

    /** Ends the session: the socket closes and the entry leaves the table together. Idempotent. */
    void close() {
        if (closed) return;
        closed = true;
        if (timer != null) timer.cancel(false);
        sessions.remove(client, this);
        connections.remove(entry);
        if (upstream != null) upstream.close();
        onEnd.run();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // E.g. ICMP port unreachable from the real server: the entry lives on until it times out, as in IPVS.
        log.debug("UDP session {} -> {}: {}", client, entry.destination(), cause.toString());
    }

    private long timeoutNanos() {
        long timeout = TimeUnit.SECONDS.toNanos(connections.timeouts().get().udp());
        return draining ? Math.min(timeout, DRAIN_IDLE_NANOS) : timeout;
    }
}

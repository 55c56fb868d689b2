package dev.jvs.director.nat;

import dev.jvs.director.conn.Connection;
import dev.jvs.director.conn.ConnectionTable;
import dev.jvs.director.conn.Direction;
import dev.jvs.director.conn.TcpEvent;
import dev.jvs.director.sync.ConnectionAnnouncer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.socket.DuplexChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The two halves of one proxied TCP connection and its connection-table entry. Both channels run on the same
 * event loop, so this object is only ever touched by one thread.
 *
 * <p>The entry follows IPVS's TCP state machine as if the director saw the packets of a kernel NAT
 * connection: accept = client SYN (SYN_RECV), backend connected = server SYN-ACK + client ACK (ESTABLISHED),
 * each side's end of stream = its FIN, an error = its RST. Once both sockets are closed the entry is released
 * and stays in the table for its state's timeout (TIME_WAIT after a clean close), counted as inactive,
 * exactly like a kernel entry.
 *
 * <p>Every read and every state change re-arms the entry with its state's timeout (as every packet does in
 * IPVS, so {@code --set} applies and {@code -Lnc} counts down); a timer on the event loop ends both sockets
 * when a connection stays idle past that deadline, as IPVS expires an idle entry.
 *
 * <p>When both sockets are closed, nothing the entry or an event loop keeps refers to this object any more (the
 * idle timer is cancelled, the forced-expiry hook cleared): the entry lives on alone, small, and the channels,
 * their pipelines and this pair are garbage at once rather than after the entry's TIME_WAIT.
 */
final class ProxiedConnection implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(ProxiedConnection.class);

    final Channel client;
    final Connection entry;
    private final ConnectionTable connections;
    Channel backend;
    boolean backendReady;
    /** Relayed by splice(2) (see {@link SpliceRelay}): no bytes pass through the handlers. */
    boolean spliced;
    private ConnectionAnnouncer announcer = ConnectionAnnouncer.NONE;
    private boolean clientOpen = true;
    private boolean backendOpen = true;
    private boolean released;
    private ScheduledFuture<?> idleTimer;
    private long idleTimerDeadline = Long.MAX_VALUE;
    /**
     * What the client sent before the real server's socket connected (the one read asked for at accept, and on
     * io_uring a client whose FIN came is read whatever autoRead says), and whether its FIN came too. Both go on
     * once connected.
     */
    private ByteBuf early;
    private boolean clientFinishedEarly;
    /**
     * Whether a side's end of stream is still to come after its output was shut: that side then closes on its
     * FIN rather than half-closing (see {@link #shutdownOutputAfterFlush}), and its close counts as the FIN.
     * Cleared when the director closes or resets that side itself.
     */
    private boolean clientFinOnClose;
    private boolean backendFinOnClose;
    /** Set by the expiry sweep (another thread) when the table drops the entry by force. */
    private volatile boolean expiredByForce;

    ProxiedConnection(Channel client, Connection entry, ConnectionTable connections) {
        this.client = client;
        this.entry = entry;
        this.connections = connections;
    }

    void backendConnected() {
        event(Direction.OUTPUT, TcpEvent.SYN);
        event(Direction.INPUT, TcpEvent.ACK);
        backendReady = true;
        if (early != null) {
            backend.writeAndFlush(early, backend.voidPromise());
            early = null;
        }
        if (spliced) SpliceRelay.start(this);
        // A client whose FIN came has nothing more to read; with epoll (Netty 4.2.18) asking it to read would even
        // fail, as its descriptor has left the epoll set once it had nothing left to wait for.
        if (!clientFinishedEarly) client.config().setAutoRead(true);
        backend.config().setAutoRead(true);
        armIdleTimer();
        if (clientFinishedEarly) clientFinished();
    }

    boolean holdsEarly() {
        return early != null;
    }

    /** Bytes from the client before the real server's socket connected: kept until it is. */
    void holdEarly(ByteBuf data) {
        if (early == null) {
            early = data;
            return;
        }
        CompositeByteBuf held = early instanceof CompositeByteBuf c ? c : client.alloc().compositeBuffer()
                .addComponent(true, early);
        early = held.addComponent(true, data);
    }

    /** A redispatched connection takes over what the client sent while the failed attempt connected. */
    void takeEarlyFrom(ProxiedConnection failed) {
        early = failed.early;
        failed.early = null;
        clientFinishedEarly = failed.clientFinishedEarly;
    }

    private void dropEarly() {
        if (early != null) {
            early.release();
            early = null;
        }
    }

    /** Relays by splice(2) from now on; {@code announcer} hears of each splice from the client, as of each read. */
    void splice(ConnectionAnnouncer announcer) {
        this.spliced = true;
        this.announcer = announcer;
    }

    /** A splice moved {@code bytes} (one read, as the copying relay counts them). */
    void spliced(boolean fromClient, int bytes) {
        if (fromClient) {
            entry.countIn(bytes);
            active();
            announcer.packetIn(entry);
        } else {
            entry.countOut(bytes);
            active();
        }
    }

    /** Data went through: the entry lives for its state's timeout from now. */
    void active() {
        entry.touch(System.nanoTime());
    }

    private void event(Direction direction, TcpEvent event) {
        entry.tcpEvent(direction, event);
        entry.touch(System.nanoTime());
        // A closing state has a shorter timeout (e.g. FIN_WAIT): bring the timer forward to it.
        if (idleTimer != null && entry.expiresAtNanos() < idleTimerDeadline) {
            idleTimer.cancel(false);
            armIdleTimer();
        }
    }

    private void armIdleTimer() {
        idleTimerDeadline = entry.expiresAtNanos();
        long wait = Math.max(idleTimerDeadline - System.nanoTime(), TimeUnit.MILLISECONDS.toNanos(10));
        idleTimer = client.eventLoop().schedule(this, wait, TimeUnit.NANOSECONDS);
    }

    /**
     * The idle timer, re-armed while there is traffic, ends the connection once its entry's time is up. Also the
     * entry's forced-expiry hook ({@code expire_nodest_conn}): called on the sweep's thread, it moves itself to
     * the event loop and ends both sockets there.
     */
    @Override
    public void run() {
        if (!client.eventLoop().inEventLoop()) {
            expiredByForce = true;
            client.eventLoop().execute(this);
            return;
        }
        if (released || (!client.isOpen() && (backend == null || !backend.isOpen()))) return;
        clientFinOnClose = backendFinOnClose = false; // closed by the director, not by a FIN
        if (expiredByForce) {
            client.close();
            if (backend != null) backend.close();
            return;
        }
        if (System.nanoTime() < entry.expiresAtNanos()) {
            armIdleTimer();
            return;
        }
        log.debug("{} -> {}: idle in {} past its timeout, closing", entry.client(), entry.destination(), entry.stateName());
        connections.remove(entry); // expired, as IPVS drops an idle entry: gone from -Lnc and from the counters
        client.close();
        if (backend != null) backend.close();
    }

    /** The real server refused or did not answer: the client is closed at once, never left hanging. */
    void backendFailed() {
        dropEarly();
        clientFinOnClose = false;
        backendOpen = false;
        event(Direction.OUTPUT, TcpEvent.RST);
        client.close();
    }

    /** The client sent FIN: pass the half-close on once everything it sent is flushed. */
    void clientFinished() {
        HalfClose.keepInEpollSet(client); // what the real server sends still goes to the client
        if (!backendReady) { // passed on once the real server's socket is connected
            clientFinishedEarly = true;
            return;
        }
        event(Direction.INPUT, TcpEvent.FIN);
        if (spliced) SpliceRelay.drainAfterFin(this, client, backend);
        shutdownOutputAfterFlush(backend, false);
    }

    /** The real server sent FIN. */
    void backendFinished() {
        HalfClose.keepInEpollSet(backend); // what the client sends still goes to the real server
        event(Direction.OUTPUT, TcpEvent.FIN);
        if (spliced) SpliceRelay.drainAfterFin(this, backend, client);
        shutdownOutputAfterFlush(client, true);
    }

    void clientClosed() {
        clientOpen = false;
        if (clientFinOnClose) { // its FIN closed it
            clientFinOnClose = false;
            event(Direction.INPUT, TcpEvent.FIN);
        }
        if (!backendReady) dropEarly();
        backendFinOnClose = false;
        if (backend != null && backend.isActive()) {
            closeAfterFlush(backend);
        } else if (backend != null && backend.isOpen()) {
            backend.close(); // still connecting: nobody is left to serve
        }
        releaseIfDone();
    }

    void backendClosed() {
        backendOpen = false;
        if (backendFinOnClose) { // its FIN closed it
            backendFinOnClose = false;
            event(Direction.OUTPUT, TcpEvent.FIN);
        }
        clientFinOnClose = false;
        if (client.isActive()) closeAfterFlush(client);
        releaseIfDone();
    }

    void reset(Direction from) {
        if (from == Direction.INPUT) clientFinOnClose = false; else backendFinOnClose = false;
        event(from, TcpEvent.RST);
    }

    private void releaseIfDone() {
        if (!clientOpen && (!backendOpen || backend == null || !backend.isOpen()) && !released) {
            released = true;
            entry.release(System.nanoTime());
            // Let the entry and the event loop forget this pair: its channels are garbage from now on.
            entry.onForcedExpiry(null);
            if (idleTimer != null) {
                idleTimer.cancel(false);
                idleTimer = null;
            }
        }
    }

    /**
     * Sends {@code ch} a FIN once what was written to it is flushed, or closes it if its own FIN came already.
     * After the FIN, the side's end of stream closes it at once: a half-close would only shut the input of a
     * socket that both FINs have closed (one more system call, and a failure Netty raises with a stack trace).
     */
    private void shutdownOutputAfterFlush(Channel ch, boolean isClient) {
        if (ch == null || !ch.isActive()) return;
        if (!spliced && nothingQueued(ch)) {
            finishOutput(ch, isClient);
        } else {
            ch.writeAndFlush(Unpooled.EMPTY_BUFFER)
                    .addListener((ChannelFutureListener) f -> finishOutput(f.channel(), isClient));
        }
    }

    private void finishOutput(Channel c, boolean isClient) {
        if (!c.isActive()) return;
        if (((DuplexChannel) c).isInputShutdown()) {
            c.close();
            return;
        }
        // Not when spliced (that side drains its pipe after its FIN), nor when the other side has closed
        // meanwhile: the director then closes this one itself, and no FIN of it is to be counted.
        if (HalfClose.shutdownOutput(c) && !spliced && (isClient ? backendOpen : clientOpen)) {
            c.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, false);
            if (isClient) clientFinOnClose = true; else backendFinOnClose = true;
        }
    }

    private void closeAfterFlush(Channel ch) {
        if (!spliced && nothingQueued(ch)) {
            ch.close();
        } else {
            ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /**
     * Whether everything written to {@code ch} has been written out (on io_uring, completed): then what waits
     * for the flush can be done now, without a marker write, its promise and its listener. On the event loop.
     */
    private static boolean nothingQueued(Channel ch) {
        ChannelOutboundBuffer queued = ch.unsafe().outboundBuffer();
        return queued != null && queued.isEmpty() && queued.totalPendingWriteBytes() == 0;
    }
}

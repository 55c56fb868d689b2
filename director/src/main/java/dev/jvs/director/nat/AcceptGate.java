package dev.jvs.director.nat;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Keeps the proxied connections inside the director's open-file limit ({@code RLIMIT_NOFILE}), as a maxconn
 * derived from {@code ulimit -n} does: when one more connection would leave less than a reserve of descriptors
 * free, every TCP NAT listener stops accepting. Clients then wait in the kernel's backlog instead of being
 * accepted into EMFILE, and the reserve keeps health checks, {@code ipvsadm} and metric scrapes working. Once a
 * few percent of the connections have ended (so that a director at its cap does not flip its listeners on every
 * close), the listeners accept again.
 *
 * <p>What is counted: each slot of {@link ConnectionLimits} as two descriptors (client and real server; a UDP
 * session holds one, so this errs on the safe side), the listening sockets, and the reserve: what was open
 * before the data paths started (the JVM's jars, event loops, the control socket) plus a margin for what comes
 * and goes beside connections.
 *
 * <p>Pausing is autoRead off, which also cancels an io_uring multishot accept. The decision is taken on an event
 * loop where a connection is accepted (counted at once, before it becomes active and takes its slot) or a slot is
 * given back: a volatile read and a compare. Only a change of state touches the listeners, each on its own loop,
 * where it reads the state as it is by then (so the last change always wins).
 *
 * <p>What it cannot stop: connections the kernel accepted before the pause took effect. With one accept per
 * submission that is at most one per listening socket; with io_uring's multishot accept, whatever arrived within
 * the loop turn. Both are why the margin exists; a burst beyond it meets EMFILE ({@link AcceptErrors}).
 */
@ChannelHandler.Sharable
public final class AcceptGate extends ChannelInboundHandlerAdapter {

    /** A gate that never closes (tests, or a limit that could not be read). */
    public static AcceptGate unlimited() {
        return new AcceptGate(Long.MAX_VALUE / 4, 0, line -> { });
    }
    static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final long openFileLimit;
    private final long reserve;
    private final Consumer<String> sink;
    private final Set<Channel> listeners = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong pauses = new AtomicLong();
    /** Connections accepted that have not yet taken their slot in {@link #limits}. */
    private final AtomicInteger accepted = new AtomicInteger();
    private volatile ConnectionLimits limits;
    private volatile int listeningSockets;
    /** Connections at which the listeners stop accepting, and at or below which they resume. */
    private volatile long pauseAt;
    private volatile long resumeAt;
    private volatile int openWhenPaused;
    // report thread only
    private long reported;
    private long lastLineNanos;
    private boolean anyLine;

    /**
     * @param openFileLimit the soft {@code RLIMIT_NOFILE}
     * @param reserve       descriptors kept for everything but proxied connections and listening sockets
     * @param sink          where {@link #report} writes its lines
     */
    public AcceptGate(long openFileLimit, long reserve, Consumer<String> sink) {
        this.openFileLimit = openFileLimit;
        this.reserve = reserve;
        this.sink = sink;
        recompute();
    }

    /** The reserve for a limit: what is open now plus a {@link #margin}. */
    public static long reserveFor(long openFileLimit, long openNow) {
        return openNow + margin(openFileLimit);
    }

    /** Descriptors kept for what comes and goes beside connections: 1/16 of the limit, at least 64. */
    public static long margin(long openFileLimit) {
        return Math.max(64, openFileLimit / 16);
    }

    /**
     * The margin from which io_uring's multishot accept is used: the kernel accepts whatever is queued as it
     * arrives, ahead of the event loop, so the connections that arrive within the loop turn in which the gate
     * closes are accepted beyond it and must fit the margin (here a burst of up to 512).
     */
    public static final long MULTISHOT_MARGIN = 1024;

    /** The slots it watches (ConnectionLimits tells it of each change). */
    void watch(ConnectionLimits limits) {
        this.limits = limits;
    }

    /** The listening sockets of the NAT table now (they take descriptors from the same limit). */
    void listeningSockets(int sockets) {
        listeningSockets = sockets;
        recompute();
    }

    private void recompute() {
        long pause = Math.max(1, (openFileLimit - reserve - listeningSockets) / 2);
        pauseAt = pause;
        resumeAt = pause - Math.max(1, pause / 32);
    }

    /** A slot was taken: {@code open} slots are held now. */
    void acquired(int open) {
        int inUse = open + accepted.get();
        if (inUse >= pauseAt && !closed.get() && closed.compareAndSet(false, true)) {
            openWhenPaused = inUse;
            pauses.incrementAndGet();
            applyToAll();
        }
    }

    /** A slot was given back: {@code open} slots are held now. */
    void released(int open) {
        if (open + accepted.get() <= resumeAt && closed.get() && closed.compareAndSet(true, false)) applyToAll();
    }

    /**
     * An accepted connection has become active and takes its slot now (or is refused): it no longer counts as
     * accepted. Called before {@link ConnectionLimits#tryAcquire}.
     */
    void admitting() {
        accepted.decrementAndGet();
    }

    /**
     * On the listener's loop, for each connection it accepts: counted at once, because Netty goes on accepting
     * before the connections it accepted become active and take their slots; the listener that reaches the cap
     * stops at once, before its next accept.
     */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object child) {
        accepted.incrementAndGet();
        acquired(limits.open());
        if (!isOpen()) ctx.channel().config().setAutoRead(false);
        ctx.fireChannelRead(child);
    }

    /** Whether the listeners may accept. */
    boolean isOpen() {
        return !closed.get();
    }

    /**
     * Whether every listening socket has stopped accepting: the one that reached the cap stops at once, the
     * others a loop turn later (for tests).
     */
    boolean everyListenerPaused() {
        for (Channel listener : listeners) {
            if (listener.config().isAutoRead()) return false;
        }
        return true;
    }

    /** Times the listeners stopped accepting since start (metrics). */
    long pauses() {
        return pauses.get();
    }

    /** Connections at which the listeners stop accepting (for tests and the log). */
    long pauseAt() {
        return pauseAt;
    }

    private void applyToAll() {
        for (Channel listener : listeners) listener.eventLoop().execute(() -> apply(listener));
    }

    /**
     * On the listener's loop: accepting as the gate is now. A pause takes effect at once; a resume one loop turn
     * later, once the cancellation of the accept the pause stopped has completed: io_uring (Netty 4.2) forgets a
     * read asked for while that cancellation is still under way, and the listener would never accept again.
     */
    private void apply(Channel listener) {
        if (!listener.isOpen() || !listener.isRegistered()) return;
        if (!isOpen()) {
            listener.config().setAutoRead(false);
        } else if (!listener.config().isAutoRead()) {
            listener.eventLoop().schedule(() -> resume(listener), 1, TimeUnit.MILLISECONDS);
        }
    }

    private void resume(Channel listener) {
        if (listener.isOpen() && listener.isRegistered() && isOpen()) listener.config().setAutoRead(true);
    }

    /** For the start-up log line. */
    @Override
    public String toString() {
        return "NAT listeners stop accepting at " + pauseAt + " proxied connections (open-file limit "
                + openFileLimit + ", less a reserve of " + reserve + " and the listening sockets; two each)";
    }

    /** A listening socket is bound (or received with --takeover): it follows the gate from now on. */
    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Channel listener = ctx.channel();
        listeners.add(listener);
        if (!isOpen()) listener.config().setAutoRead(false); // before Netty starts accepting, after this handler
        ctx.fireChannelActive();
    }

    @Override
    public void channelUnregistered(ChannelHandlerContext ctx) {
        listeners.remove(ctx.channel());
        ctx.fireChannelUnregistered();
    }

    /**
     * Called periodically off the event loops: says when the listeners stopped accepting, at once the first time,
     * then at most once per 10 s.
     */
    void report(long nowNanos) {
        long total = pauses.get();
        long fresh = total - reported;
        if (fresh == 0 || anyLine && nowNanos - lastLineNanos < LOG_INTERVAL_NANOS) return;
        sink.accept("NAT listeners stopped accepting at " + openWhenPaused + " proxied connections"
                + (fresh > 1 ? " (" + fresh + " times since the last report)" : "")
                + ": two descriptors each, with " + listeningSockets + " listening sockets and a reserve of "
                + reserve + ", one more would not fit the open-file limit of " + openFileLimit
                + "; clients wait in the listeners' backlogs and are accepted once connections end"
                + " (raise LimitNOFILE / ulimit -n to serve more at once)");
        reported = total;
        lastLineNanos = nowNanos;
        anyLine = true;
    }
}

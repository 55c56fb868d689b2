package dev.jvs.director.nat;

import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * What a NAT listener does when {@code accept(2)} fails (EMFILE or ENFILE when the director is out of
 * descriptors, ENOBUFS, ...): it stays open, so clients wait in its backlog instead of being refused, and
 * pauses accepting for {@link #PAUSE_MILLIS}, so that its loop does not spin on an error that is still there.
 * The event loop only counts; {@link #report} runs on a control thread and logs at most one line per interval
 * with how many failures there were. Left to Netty, every failure would be logged with its stack trace: tens of
 * millions of lines for a large table out of descriptors.
 */
@ChannelHandler.Sharable
final class AcceptErrors extends ChannelInboundHandlerAdapter {

    /** As long as Netty's own acceptor pauses after a failed accept. */
    static final long PAUSE_MILLIS = 1_000;
    static final Duration LOG_INTERVAL = Duration.ofSeconds(10);

    private final LongAdder failures = new LongAdder();
    private final Consumer<String> sink;
    private final long intervalNanos;
    /** Whether the accept gate lets the listeners accept: a pause that ends while it is closed does not resume. */
    private final BooleanSupplier gateOpen;
    private volatile Throwable lastCause;
    private volatile SocketAddress lastListener;
    // report thread only
    private long reported;
    private long lastLineNanos;
    private boolean anyLine;

    AcceptErrors(Consumer<String> sink, Duration interval, BooleanSupplier gateOpen) {
        this.sink = sink;
        this.intervalNanos = interval.toNanos();
        this.gateOpen = gateOpen;
    }

    /** On the listener's event loop: count, pause, and keep the listener; nothing is passed on to be logged. */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        failures.increment();
        lastCause = cause;
        lastListener = ctx.channel().localAddress();
        pause(ctx.channel());
    }

    private void pause(Channel listener) {
        ChannelConfig config = listener.config();
        if (!config.isAutoRead()) return; // paused already
        config.setAutoRead(false);
        listener.eventLoop().schedule(() -> resume(listener), PAUSE_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void resume(Channel listener) {
        // A listener closed meanwhile, or handed over to a successor (deregistered), is left as it is; one the
        // gate holds is resumed by the gate.
        if (listener.isOpen() && listener.isRegistered() && gateOpen.getAsBoolean()) {
            listener.config().setAutoRead(true);
        }
    }

    /** Failed accepts on every NAT listener since start (metrics). */
    long count() {
        return failures.sum();
    }

    /**
     * Called periodically off the event loops: logs the failures since the last line, the first ones at once,
     * then at most one line per interval.
     */
    void report(long nowNanos) {
        long total = failures.sum();
        long fresh = total - reported;
        if (fresh == 0 || anyLine && nowNanos - lastLineNanos < intervalNanos) return;
        Throwable cause = lastCause;
        String reason = cause == null ? "unknown" : cause.getMessage();
        sink.accept(fresh + (fresh == 1 ? " failed accept" : " failed accepts") + " on NAT listeners"
                + (anyLine ? " in the last " + TimeUnit.NANOSECONDS.toSeconds(nowNanos - lastLineNanos) + " s" : "")
                + " (" + total + " since start), the last on " + describe(lastListener) + ": " + reason
                + "; each failing listener stays open and pauses accepting for " + PAUSE_MILLIS + " ms"
                + " (clients wait in its backlog)");
        reported = total;
        lastLineNanos = nowNanos;
        anyLine = true;
    }

    private static String describe(SocketAddress address) {
        if (!(address instanceof java.net.InetSocketAddress inet)) return String.valueOf(address);
        String host = inet.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + inet.getPort();
    }
}

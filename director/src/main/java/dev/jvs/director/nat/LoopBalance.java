package dev.jvs.director.nat;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.AbstractEventExecutorGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;

import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Which worker event loop serves a connection accepted on one of a service's {@code SO_REUSEPORT} listeners.
 *
 * <p>The kernel picks the listener, and so the loop, by a hash of the client's address and port. Over many
 * connections that evens out. Over a few long ones it does not: four streams all land on one of two loops
 * once in eight, and a small pool of database connections can leave one core doing all the work while the
 * other waits. So while a loop and the least loaded one hold fewer than {@value #FEW} connections between them,
 * a connection accepted on the busier one goes to the lighter one; with more, the loop keeps it. A hand-off
 * costs the connection a pass of the other loop. Under a load of short connections (64 at a time on a busy
 * 2-core machine) the loops' counts swing by tens as one or the other waits for a core: the two rules tried that
 * also balanced them there moved 10 and 19 % of the connections, and their p99 rose by 14 and 33 %.
 *
 * <p>The counts are the connections registered on each loop and not yet closed, across all services.
 */
final class LoopBalance {

    /** Below this many connections on a loop and the lightest together, the hash is not left to spread them. */
    static final int FEW = 8;
    /** Ints between two loops' counts: a 64-byte cache line each, so that counting on one loop stays local. */
    private static final int STRIDE = 16;

    private final EventLoopGroup workers;
    private final EventLoop[] loops;
    private final AtomicIntegerArray open;
    private final ChannelFutureListener[] closers;

    LoopBalance(EventLoopGroup workers) {
        this.workers = workers;
        List<EventLoop> all = new java.util.ArrayList<>();
        for (EventExecutor e : workers) all.add((EventLoop) e);
        loops = all.toArray(EventLoop[]::new);
        open = new AtomicIntegerArray(loops.length * STRIDE);
        closers = new ChannelFutureListener[loops.length];
        for (int i = 0; i < loops.length; i++) {
            int index = i;
            closers[i] = f -> closed(index);
        }
    }

    /** What the listener on {@code accepting} registers its connections with: where {@link #choose} says. */
    EventLoopGroup childrenOf(EventLoop accepting) {
        return new Children(indexOf(accepting));
    }

    /** The index of the loop that takes the next connection accepted on loop {@code accepting}; counted there. */
    int choose(int accepting) {
        int mine = open.get(accepting * STRIDE);
        int lightest = accepting;
        int least = mine;
        for (int i = 0; i < loops.length; i++) {
            int n = open.get(i * STRIDE);
            if (n < least) {
                least = n;
                lightest = i;
            }
        }
        int chosen = outweighs(mine, least) ? lightest : accepting;
        open.incrementAndGet(chosen * STRIDE);
        return chosen;
    }

    /** Whether a loop holding {@code mine} should give a new connection to one holding {@code least}. */
    static boolean outweighs(int mine, int least) {
        int n = mine + least;
        int over = mine - least;
        return over > 0 && n < FEW;
    }

    /** A connection counted on loop {@code index} has closed. */
    void closed(int index) {
        open.decrementAndGet(index * STRIDE);
    }

    /** Connections registered on loop {@code index} and not closed yet. */
    int openOn(int index) {
        return open.get(index * STRIDE);
    }

    int indexOf(EventLoop loop) {
        for (int i = 0; i < loops.length; i++) {
            if (loops[i] == loop) return i;
        }
        throw new IllegalArgumentException(loop + " is not a worker loop");
    }

    /**
     * The listener's view of the workers: Netty's acceptor registers each accepted connection through it. All
     * else (shutting down, submitting tasks) goes to the workers themselves.
     */
    private final class Children extends AbstractEventExecutorGroup implements EventLoopGroup {
        private final int accepting;

        Children(int accepting) {
            this.accepting = accepting;
        }

        @Override
        public ChannelFuture register(Channel channel) {
            int i = choose(accepting);
            // Counted until the channel closes, whether its registration succeeds or not (a failed one closes it).
            channel.closeFuture().addListener(closers[i]);
            return loops[i].register(channel);
        }

        @Override
        public ChannelFuture register(ChannelPromise promise) {
            int i = choose(accepting);
            promise.channel().closeFuture().addListener(closers[i]);
            return loops[i].register(promise);
        }

        @Override
        @Deprecated
        public ChannelFuture register(Channel channel, ChannelPromise promise) {
            return register(promise);
        }

        @Override
        public EventLoop next() {
            return loops[accepting];
        }

        @Override
        public Iterator<EventExecutor> iterator() {
            return workers.iterator();
        }

        @Override
        public boolean isShuttingDown() {
            return workers.isShuttingDown();
        }

        @Override
        public Future<?> shutdownGracefully(long quietPeriod, long timeout, TimeUnit unit) {
            return workers.shutdownGracefully(quietPeriod, timeout, unit);
        }

        @Override
        public Future<?> terminationFuture() {
            return workers.terminationFuture();
        }

        @Override
        @Deprecated
        public void shutdown() {
            workers.shutdown();
        }

        @Override
        public boolean isShutdown() {
            return workers.isShutdown();
        }

        @Override
        public boolean isTerminated() {
            return workers.isTerminated();
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
            return workers.awaitTermination(timeout, unit);
        }
    }
}

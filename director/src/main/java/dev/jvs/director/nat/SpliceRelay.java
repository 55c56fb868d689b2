package dev.jvs.director.nat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.epoll.AbstractEpollStreamChannel;
import io.netty.channel.epoll.EpollChannelConfig;
import io.netty.channel.epoll.EpollMode;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.UnixChannel;
import io.netty.util.UncheckedBooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;

/**
 * The splice(2) relay of one side of a proxied connection ({@code --splice on}, epoll only): its bytes move from
 * one socket to the other through a kernel pipe without entering the JVM, with Netty's {@code spliceTo}, which
 * needs both channels on one event loop (they are), level-triggered epoll and autoRead on; it stops reading by
 * itself while the other socket cannot take more (backpressure) and reads again once the pipe is drained.
 *
 * <p>It is also the side's receive-buffer allocator, installed when the channel is made: Netty tells the
 * allocator's handle how many bytes each splice moved, which is how a spliced connection still counts its bytes
 * and packets (each splice counts as one read, as each read does when copying) and re-arms its idle timer. Until
 * {@link #start} it hands out the same buffers as Netty's default, so a connection that ends up copying (a PROXY
 * header to send) reads as usual.
 */
final class SpliceRelay implements RecvByteBufAllocator, ChannelFutureListener {

    private static final Logger log = LoggerFactory.getLogger(SpliceRelay.class);
    private static final RecvByteBufAllocator COPYING = new AdaptiveRecvByteBufAllocator();
    /** The most one splice moves: a pipe's default capacity. */
    private static final int CHUNK = 64 * 1024;

    private ProxiedConnection pair; // set by start, on the event loop
    private boolean fromClient;

    /** Whether this side splices (tests). */
    boolean started() {
        return pair != null;
    }

    /** Whether both channels can splice to each other: level-triggered epoll stream channels that count splices. */
    static boolean possible(Channel client, Channel backend) {
        return spliceable(client) && spliceable(backend);
    }

    private static boolean spliceable(Channel ch) {
        return ch instanceof AbstractEpollStreamChannel
                && ((EpollChannelConfig) ch.config()).getEpollMode() == EpollMode.LEVEL_TRIGGERED
                && ch.config().getRecvByteBufAllocator() instanceof SpliceRelay;
    }

    /**
     * Prepares a channel that is not registered yet: level-triggered epoll (spliceTo needs it; Netty can only set
     * it before registration) and this allocator.
     */
    @SuppressWarnings("deprecation")
    static void prepare(Channel ch) {
        if (ch.config() instanceof EpollChannelConfig epoll) epoll.setEpollMode(EpollMode.LEVEL_TRIGGERED);
        ch.config().setRecvByteBufAllocator(new SpliceRelay());
    }

    /** Starts splicing both ways; the caller then turns autoRead on. On the pair's event loop. */
    static void start(ProxiedConnection pair) {
        ((SpliceRelay) pair.client.config().getRecvByteBufAllocator()).splice(pair, true, pair.client, pair.backend);
        ((SpliceRelay) pair.backend.config().getRecvByteBufAllocator()).splice(pair, false, pair.backend, pair.client);
    }

    private void splice(ProxiedConnection pair, boolean fromClient, Channel from, Channel to) {
        this.pair = pair;
        this.fromClient = fromClient;
        ((AbstractEpollStreamChannel) from).spliceTo((AbstractEpollStreamChannel) to, Integer.MAX_VALUE)
                .addListener(this);
    }

    /**
     * Netty shuts a spliced socket's input on EPOLLRDHUP after at most one pipe's worth of its data, so what the
     * peer sent just before its FIN may still be in the socket (the kernel keeps it after {@code SHUT_RD}): read it
     * and send it on, before the half-close is passed on. On the event loop.
     */
    static void drainAfterFin(ProxiedConnection pair, Channel from, Channel to) {
        if (!(from instanceof UnixChannel unix) || !to.isActive()) return;
        FileDescriptor fd = unix.fd();
        ByteBufAllocator alloc = from.alloc();
        boolean fromClient = from == pair.client;
        try {
            while (true) {
                ByteBuf buf = alloc.directBuffer(CHUNK);
                ByteBuffer nio = buf.internalNioBuffer(0, CHUNK);
                int n = fd.read(nio, nio.position(), nio.limit());
                if (n <= 0) {
                    buf.release();
                    break;
                }
                buf.writerIndex(n);
                pair.spliced(fromClient, n);
                to.write(buf, to.voidPromise());
            }
        } catch (IOException e) {
            log.debug("reading the rest after FIN from {}: {}", from, e.toString());
        }
        to.flush();
    }

    /** spliceTo ends only when a channel closes (ClosedChannelException) or fails; a failure ends the pair. */
    @Override
    public void operationComplete(ChannelFuture f) {
        if (!f.isSuccess() && !(f.cause() instanceof ClosedChannelException) && pair != null) {
            log.debug("splice {} -> {}: {}", pair.entry.client(), pair.entry.destination(), f.cause().toString());
            pair.client.close();
            pair.backend.close();
        }
    }

    @Override
    public Handle newHandle() {
        return new CountingHandle((ExtendedHandle) COPYING.newHandle());
    }

    /** Netty's default handle, which also hears of every splice. */
    private final class CountingHandle implements ExtendedHandle {
        private final ExtendedHandle copying;

        CountingHandle(ExtendedHandle copying) {
            this.copying = copying;
        }

        @Override
        public void lastBytesRead(int bytes) {
            copying.lastBytesRead(bytes);
            if (bytes > 0 && pair != null) pair.spliced(fromClient, bytes);
        }

        @Override
        public int guess() {
            return pair != null ? CHUNK : copying.guess();
        }

        @Override
        public ByteBuf allocate(ByteBufAllocator alloc) {
            return copying.allocate(alloc);
        }

        @Override
        public void reset(io.netty.channel.ChannelConfig config) {
            copying.reset(config);
        }

        @Override
        public void incMessagesRead(int numMessages) {
            copying.incMessagesRead(numMessages);
        }

        @Override
        public int lastBytesRead() {
            return copying.lastBytesRead();
        }

        @Override
        public void attemptedBytesRead(int bytes) {
            copying.attemptedBytesRead(bytes);
        }

        @Override
        public int attemptedBytesRead() {
            return copying.attemptedBytesRead();
        }

        @Override
        public boolean continueReading() {
            return copying.continueReading();
        }

        @Override
        public boolean continueReading(UncheckedBooleanSupplier maybeMoreDataSupplier) {
            return copying.continueReading(maybeMoreDataSupplier);
        }

        @Override
        public void readComplete() {
            copying.readComplete();
        }
    }
}

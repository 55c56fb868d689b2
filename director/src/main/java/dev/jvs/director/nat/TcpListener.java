package dev.jvs.director.nat;

import dev.jvs.director.net.Transport;
import dev.jvs.model.ServiceKey;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.UnixChannel;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.util.concurrent.EventExecutor;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The listening sockets of one TCP virtual service. With epoll or io_uring there is one per worker event loop,
 * all bound with {@code SO_REUSEPORT}: the kernel spreads new connections over them, and each connection is
 * accepted, scheduled and connected to its real server on the loop that owns its listener, with no hand-off
 * between threads, unless only a few are open and another loop holds fewer ({@link LoopBalance}). NIO cannot
 * set {@code SO_REUSEPORT}: one listener on the acceptor loop hands connections to the workers.
 *
 * <p>Another process of the same user that binds the same address with {@code SO_REUSEPORT} would share the
 * connections instead of failing with "address in use", as with any {@code SO_REUSEPORT} server.
 */
final class TcpListener {

    private final List<ChannelFuture> bound;

    private TcpListener(List<ChannelFuture> bound) {
        this.bound = bound;
    }

    /** Starts binding (asynchronously); {@code childHandler} must be sharable (e.g. a ChannelInitializer). */
    static TcpListener bind(ServiceKey key, Transport transport, EventLoopGroup acceptors, EventLoopGroup workers,
                            LoopBalance balance, ChannelHandler childHandler, ChannelHandler listenerHandler) {
        InetSocketAddress vip = new InetSocketAddress(key.address(), key.port());
        ChannelOption<Boolean> reusePort = reusePortOption(transport);
        List<ChannelFuture> bound = new ArrayList<>();
        if (reusePort == null) {
            bound.add(bootstrap(transport, acceptors, workers, childHandler, listenerHandler).bind(vip));
        } else {
            for (EventExecutor e : workers) {
                EventLoop loop = (EventLoop) e; // an event loop is a group of itself
                bound.add(bootstrap(transport, loop, balance.childrenOf(loop), childHandler, listenerHandler)
                        .option(reusePort, true).bind(vip));
            }
        }
        return new TcpListener(List.copyOf(bound));
    }

    /**
     * Serves listening sockets received from the director this one takes over ({@code --takeover}, epoll only):
     * nothing is bound, the same sockets keep their accept queues, spread over the worker loops.
     */
    static TcpListener adopt(List<FileDescriptor> fds, EventLoopGroup workers, LoopBalance balance,
                             ChannelHandler childHandler, ChannelHandler listenerHandler) {
        List<ChannelFuture> bound = new ArrayList<>();
        java.util.Iterator<EventExecutor> loops = workers.iterator();
        for (FileDescriptor fd : fds) {
            if (!loops.hasNext()) loops = workers.iterator();
            EventLoop loop = (EventLoop) loops.next();
            ServerBootstrap b = new ServerBootstrap().group(loop, balance.childrenOf(loop));
            options(Transport.EPOLL, b, childHandler, listenerHandler);
            bound.add(b.channelFactory(() -> new EpollServerSocketChannel(fd.intValue())).register());
        }
        return new TcpListener(List.copyOf(bound));
    }

    private static ServerBootstrap bootstrap(Transport transport, EventLoopGroup acceptor, EventLoopGroup children,
                                             ChannelHandler childHandler, ChannelHandler listenerHandler) {
        return options(transport, new ServerBootstrap().group(acceptor, children).channel(transport.serverChannel()),
                childHandler, listenerHandler);
    }

    private static ServerBootstrap options(Transport transport, ServerBootstrap b, ChannelHandler childHandler,
                                           ChannelHandler listenerHandler) {
        b
                .handler(listenerHandler) // the accept gate; a failed accept never closes the listener
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true) // TCP_NODELAY: on in every Netty channel
                .childHandler(childHandler);
        if (transport.readBufferRingOption() != null) {
            b.childOption(transport.readBufferRingOption(), transport.readBufferGroup());
        }
        if (transport.freebindOption() != null) {
            // As with IPVS, a VIP need not be local yet (e.g. on a backup director): receive once it arrives.
            b.option(transport.freebindOption(), true);
        }
        return b;
    }

    /** The option that lets one socket per event loop share the address, or null (NIO). */
    static ChannelOption<Boolean> reusePortOption(Transport transport) {
        return switch (transport) {
            case EPOLL -> EpollChannelOption.SO_REUSEPORT;
            case IO_URING -> IoUringChannelOption.SO_REUSEPORT;
            case NIO -> null;
        };
    }

    /** Calls {@code done} once every socket is bound or failed: with null, or with the first failure. */
    void whenBound(java.util.function.Consumer<Throwable> done) {
        int[] left = {bound.size()};
        Throwable[] first = {null};
        for (ChannelFuture f : bound) {
            f.addListener(x -> {
                boolean last;
                synchronized (left) {
                    if (!x.isSuccess() && first[0] == null) first[0] = x.cause();
                    last = --left[0] == 0;
                }
                if (last) done.accept(first[0]);
            });
        }
    }

    /** True once every socket is bound and open. */
    boolean isActive() {
        for (ChannelFuture f : bound) {
            if (!f.channel().isActive()) return false;
        }
        return true;
    }

    /** How many sockets listen (one per event loop with SO_REUSEPORT). */
    int size() {
        return bound.size();
    }

    /** The bind futures, one per socket. */
    List<ChannelFuture> futures() {
        return bound;
    }

    /** The listening sockets' descriptors, to hand over; empty with NIO, which has none to give. */
    List<FileDescriptor> fds() {
        List<FileDescriptor> fds = new ArrayList<>();
        for (ChannelFuture f : bound) {
            if (f.channel() instanceof UnixChannel unix && f.channel().isActive()) fds.add(unix.fd());
        }
        return fds;
    }

    /** The listening channels, for tests. */
    List<Channel> channels() {
        return bound.stream().map(ChannelFuture::channel).toList();
    }

    /** Stops accepting without closing the sockets: another process serves them now. */
    void stopAccepting() {
        for (ChannelFuture f : bound) {
            Channel ch = f.channel();
            // epoll: leave the loop, keep the descriptor. io_uring never completes a deregistration with an
            // accept pending; closing cancels it and closes only our descriptor, never the shared socket.
            if (ch instanceof EpollServerSocketChannel) ch.deregister().syncUninterruptibly();
            else ch.close().syncUninterruptibly();
        }
    }

    /**
     * Closes every socket and returns once they are closed (so that the address can be bound again at once),
     * unless called on one of their event loops, which cannot wait for itself.
     */
    void close() {
        for (ChannelFuture f : bound) f.channel().close();
        for (ChannelFuture f : bound) {
            Channel ch = f.channel();
            if (!ch.eventLoop().inEventLoop()) ch.closeFuture().awaitUninterruptibly();
        }
    }
}

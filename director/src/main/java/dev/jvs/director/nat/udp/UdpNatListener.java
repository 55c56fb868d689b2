package dev.jvs.director.nat.udp;

import dev.jvs.director.conn.ConnectionTable;
import dev.jvs.director.conn.Scheduling;
import dev.jvs.director.nat.ConnectionLimits;
import dev.jvs.director.net.Transport;
import dev.jvs.director.rules.Dest;
import dev.jvs.director.rules.RuleTable;
import dev.jvs.director.sync.ConnectionAnnouncer;
import dev.jvs.model.ServiceKey;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.unix.FileDescriptor;
import io.netty.util.AttributeKey;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.util.concurrent.EventExecutor;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The UDP NAT data path of one virtual service. With epoll or io_uring it is one datagram socket per worker event
 * loop, all bound on VIP:port with {@code SO_REUSEPORT}: the kernel hashes each client (address and port) to one
 * of them, so a client's datagrams always reach the same loop, which owns that client's session (or one-packet
 * exchanges) with no lock. NIO cannot set {@code SO_REUSEPORT}: one socket on one loop.
 */
public final class UdpNatListener {

    /** The largest UDP payload: a datagram is never truncated on its way through. */
    static final int MAX_DATAGRAM = 65_535;

    /** On the channel {@link #bind} returns: every socket of the service (it included). */
    private static final AttributeKey<List<Channel>> SOCKETS = AttributeKey.valueOf("jvs-udp-sockets");
    /** Told to the sockets' handlers when the director is taken over: its sessions end once idle. */
    static final Object DRAIN = new Object();

    private UdpNatListener() {}

    /**
     * Binds the service's sockets. The returned future is of one socket, bound last, once all others are bound,
     * so that when it is active the kernel already spreads clients over the final set of sockets (a socket
     * joining later would move some clients to another loop, and so to a second session). Closing that socket
     * closes the others: the caller handles the service as one channel.
     */
    public static ChannelFuture bind(ServiceKey key, Transport transport, EventLoopGroup workers, RuleTable rules,
                                     ConnectionTable connections, Scheduling scheduling, ConnectionLimits limits,
                                     ConnectionAnnouncer announcer) {
        InetSocketAddress vip = new InetSocketAddress(key.address(), key.port());
        ChannelOption<Boolean> reusePort = reusePortOption(transport);
        if (reusePort == null) {
            ChannelFuture one = bootstrap(key, transport, workers, rules, connections, scheduling, limits, announcer)
                    .channel(transport.datagramChannel()).bind(vip);
            one.channel().attr(SOCKETS).set(List.of(one.channel()));
            return one;
        }
        List<EventLoop> loops = new ArrayList<>();
        for (EventExecutor loop : workers) loops.add((EventLoop) loop);
        ChannelFuture registered = bootstrap(key, transport, loops.get(0), rules, connections, scheduling, limits,
                announcer).channel(transport.datagramChannel()).option(reusePort, true).register();
        Channel last = registered.channel();
        ChannelPromise all = last.newPromise();
        List<ChannelFuture> others = new ArrayList<>();
        for (EventLoop loop : loops.subList(1, loops.size())) {
            others.add(bootstrap(key, transport, loop, rules, connections, scheduling, limits, announcer)
                    .channel(transport.datagramChannel())
                    .option(reusePort, true)
                    .bind(vip));
        }
        List<Channel> sockets = new ArrayList<>();
        for (ChannelFuture other : others) sockets.add(other.channel());
        sockets.add(last);
        last.attr(SOCKETS).set(List.copyOf(sockets));
        last.closeFuture().addListener(f -> {
            for (ChannelFuture other : others) other.channel().close();
        });
        AtomicInteger left = new AtomicInteger(others.size() + 1);
        Runnable bindLast = () -> last.bind(vip).addListener(done -> {
            if (done.isSuccess()) {
                all.trySuccess();
            } else {
                all.tryFailure(done.cause());
                last.close();
            }
        });
        List<ChannelFuture> before = new ArrayList<>(others);
        before.add(registered);
        for (ChannelFuture f : before) {
            f.addListener(done -> {
                if (!done.isSuccess()) {
                    if (all.tryFailure(done.cause())) last.close();
                } else if (left.decrementAndGet() == 0) {
                    bindLast.run();
                }
            });
        }
        return all;
    }

    /**
     * Serves the sockets of a service received from the director this one takes over ({@code --takeover}, epoll):
     * nothing is bound, the kernel keeps spreading clients over the same sockets, each served by one worker loop.
     * Returns, as {@link #bind} does, one of them (registered last), whose closing closes the others.
     */
    public static ChannelFuture adopt(List<FileDescriptor> fds, ServiceKey key, Transport transport,
                                      EventLoopGroup workers, RuleTable rules, ConnectionTable connections,
                                      Scheduling scheduling, ConnectionLimits limits, ConnectionAnnouncer announcer) {
        java.util.Iterator<EventExecutor> loops = workers.iterator();
        List<ChannelFuture> registered = new ArrayList<>();
        for (FileDescriptor fd : fds) {
            if (!loops.hasNext()) loops = workers.iterator();
            EventLoop loop = (EventLoop) loops.next();
            registered.add(bootstrap(key, transport, loop, rules, connections, scheduling, limits, announcer)
                    .channelFactory(() -> new EpollDatagramChannel(fd.intValue())).register());
        }
        ChannelFuture last = registered.get(registered.size() - 1);
        List<Channel> sockets = registered.stream().map(ChannelFuture::channel).toList();
        last.channel().attr(SOCKETS).set(sockets);
        last.channel().closeFuture().addListener(f -> {
            for (Channel other : sockets) other.close();
        });
        ChannelPromise all = last.channel().newPromise();
        AtomicInteger left = new AtomicInteger(registered.size());
        for (ChannelFuture f : registered) {
            f.addListener(done -> {
                if (!done.isSuccess()) {
                    if (all.tryFailure(done.cause())) last.channel().close();
                } else if (left.decrementAndGet() == 0) {
                    all.trySuccess();
                }
            });
        }
        return all;
    }

    /** Every socket of the service whose channel {@link #bind} or {@link #adopt} returned. */
    public static List<Channel> sockets(Channel service) {
        List<Channel> sockets = service.attr(SOCKETS).get();
        return sockets == null ? List.of(service) : sockets;
    }

    /**
     * Taken over: the successor reads the same sockets from now on. Ours stop reading but stay open, so the
     * sessions still open here send their replies from the VIP; each ends once idle for
     * {@link UdpSession#DRAIN_IDLE_NANOS}.
     */
    public static void stopReading(Channel service) {
        for (Channel ch : sockets(service)) {
            ch.config().setAutoRead(false);
            ch.pipeline().fireUserEventTriggered(DRAIN);
        }
    }

    private static Bootstrap bootstrap(ServiceKey key, Transport transport, EventLoopGroup group, RuleTable rules,
                                       ConnectionTable connections, Scheduling scheduling, ConnectionLimits limits,
                                       ConnectionAnnouncer announcer) {
        Bootstrap b = new Bootstrap()
                .group(group)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_DATAGRAM))
                .handler(new UdpServiceHandler(key, rules, connections, scheduling, transport, limits, announcer));
        if (transport.freebindOption() != null) {
            // As for TCP: the VIP need not be local yet.
            b.option(transport.freebindOption(), true);
        }
        return b;
    }

    /** The option that lets one socket per event loop share the address, or null (NIO). */
    private static ChannelOption<Boolean> reusePortOption(Transport transport) {
        return switch (transport) {
            case EPOLL -> EpollChannelOption.SO_REUSEPORT;
            case IO_URING -> IoUringChannelOption.SO_REUSEPORT;
            case NIO -> null;
        };
    }

    /** An upstream socket on {@code loop}, connected to {@code target}, reading replies into {@code handler}. */
    static ChannelFuture connectUpstream(Transport transport, EventLoop loop, InetSocketAddress target,
                                         ChannelHandler handler) {
        return new Bootstrap()
                .group(loop)
                .channel(transport.datagramChannel())
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_DATAGRAM))
                .handler(handler)
                .connect(target);
    }

    /** Where datagrams for {@code dest} go: a real server without a port receives the virtual port. */
    static InetSocketAddress target(Dest dest, int virtualPort) {
        int port = dest.config().port();
        return new InetSocketAddress(dest.config().address(), port == 0 ? virtualPort : port);
    }
}

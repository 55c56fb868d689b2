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
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;

import java.net.InetSocketAddress;

/**
 * The UDP NAT data path of one virtual service: a datagram socket bound on VIP:port whose event loop owns
 * every client session of the service, so the session table needs no lock.
 */
public final class UdpNatListener {

    /** The largest UDP payload: a datagram is never truncated on its way through. */
    static final int MAX_DATAGRAM = 65_535;

    private UdpNatListener() {}

    /** Binds the service's socket on one event loop of {@code workers}. */
    public static ChannelFuture bind(ServiceKey key, Transport transport, EventLoopGroup workers, RuleTable rules,
                                     ConnectionTable connections, Scheduling scheduling, ConnectionLimits limits,
                                     ConnectionAnnouncer announcer) {
        Bootstrap b = new Bootstrap()
                .group(workers)
                .channel(transport.datagramChannel())
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_DATAGRAM))
                .handler(new UdpServiceHandler(key, rules, connections, scheduling, transport, limits,
                        announcer));
        if (transport.freebindOption() != null) {
            // As for TCP: the VIP need not be local yet.
            b.option(transport.freebindOption(), true);
        }
        return b.bind(new InetSocketAddress(key.address(), key.port()));
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

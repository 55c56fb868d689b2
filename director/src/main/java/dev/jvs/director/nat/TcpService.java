package dev.jvs.director.nat;

import dev.jvs.director.conn.ConnectionTable;
import dev.jvs.director.conn.Scheduling;
import dev.jvs.director.net.Transport;
import dev.jvs.director.rules.RuleTable;
import dev.jvs.model.ServiceKey;
import io.netty.channel.ChannelFactory;
import io.netty.channel.socket.SocketChannel;

import java.net.InetSocketAddress;

/**
 * What every connection accepted for one TCP virtual service shares, made once when its listener opens: the
 * virtual address object its entries are keyed by (one per service, not one per connection) and the factory of
 * its backend channels, and whether it splices.
 */
record TcpService(ServiceKey key, InetSocketAddress vip, RuleTable rules, ConnectionTable connections,
                  Scheduling scheduling, ConnectionLimits limits, Transport transport,
                  ChannelFactory<? extends SocketChannel> backendChannels, boolean splice) {

    /** @param splice relay with splice(2) where nothing needs to see the bytes (only the epoll transport can) */
    TcpService(ServiceKey key, RuleTable rules, ConnectionTable connections, Scheduling scheduling,
               ConnectionLimits limits, Transport transport, boolean splice) {
        this(key, new InetSocketAddress(key.address(), key.port()), rules, connections, scheduling, limits, transport,
                transport::newSocketChannel, splice && transport == Transport.EPOLL);
    }
}

package dev.jvs.director.nat;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.NetUtil;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * The PROXY protocol header (v1 text or v2 binary) that tells a real server who the client is: the client's
 * address and port as source, the VIP and virtual port as destination.
 */
final class ProxyProtocolHeader {

    private ProxyProtocolHeader() {
    }

    /**
     * Writes and flushes the header on a just-connected backend channel. The caller does this before it lets the
     * client side read, so the header is the first byte the real server gets; it is flushed at once because some
     * protocols (SMTP, FTP) wait for the server to speak first. The encoder only lives for this one message.
     */
    static void send(Channel backend, HAProxyProtocolVersion version, InetSocketAddress client, InetSocketAddress vip) {
        ChannelPipeline pipeline = backend.pipeline();
        pipeline.addFirst(HAProxyMessageEncoder.INSTANCE);
        // Errors end up in the backend's exceptionCaught, which resets and closes the pair.
        backend.writeAndFlush(message(version, client, vip), backend.voidPromise());
        pipeline.remove(HAProxyMessageEncoder.INSTANCE);
    }

    static HAProxyMessage message(HAProxyProtocolVersion version, InetSocketAddress client, InetSocketAddress vip) {
        InetAddress source = client.getAddress();
        InetAddress destination = vip.getAddress();
        boolean ipv4 = source instanceof Inet4Address && destination instanceof Inet4Address;
        return new HAProxyMessage(version, HAProxyCommand.PROXY,
                ipv4 ? HAProxyProxiedProtocol.TCP4 : HAProxyProxiedProtocol.TCP6,
                text(source, ipv4), text(destination, ipv4), client.getPort(), vip.getPort());
    }

    /** One header carries one family: an IPv4 address next to an IPv6 one is written IPv4-mapped. */
    private static String text(InetAddress address, boolean ipv4) {
        if (ipv4) return address.getHostAddress();
        if (address instanceof Inet4Address) return "::ffff:" + address.getHostAddress();
        return NetUtil.toAddressString(address); // compressed, without the scope id getHostAddress() adds
    }
}

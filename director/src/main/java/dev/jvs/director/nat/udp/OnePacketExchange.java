package dev.jvs.director.nat.udp;

import dev.jvs.director.conn.ConnectionTable;
import dev.jvs.director.net.Transport;
import dev.jvs.director.rules.Dest;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * One datagram of a one-packet-scheduling ({@code -o}) service. Like IPVS, it is a connection that lives for
 * exactly one packet: counted (+1 conns, +1 then -1 InActConn) but never entered in the table, so
 * {@code ipvsadm -Lc} does not list it. Its own short-lived upstream socket carries the reply back: the socket
 * closes after the first reply, or after a short window when none comes.
 */
final class OnePacketExchange extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(OnePacketExchange.class);
    static final int REPLY_WINDOW_SECONDS = 5;

    private final Channel listener;
    private final InetSocketAddress client;
    private final Dest dest;

    private OnePacketExchange(Channel listener, InetSocketAddress client, Dest dest) {
        this.listener = listener;
        this.client = client;
        this.dest = dest;
    }

    /** Sends {@code data} (ownership taken) to {@code target} on a socket of its own. */
    static void start(Channel listener, InetSocketAddress client, Dest dest, InetSocketAddress target, ByteBuf data,
                      Transport transport, ConnectionTable connections) {
        dest.bindConnection();
        dest.countIn(data.readableBytes());
        ChannelFuture connect = UdpNatListener.connectUpstream(transport, listener.eventLoop(), target,
                new OnePacketExchange(listener, client, dest));
        Channel upstream = connect.channel();
        connect.addListener(f -> {
            if (f.isSuccess()) {
                upstream.writeAndFlush(data, upstream.voidPromise());
            } else {
                data.release();
                log.warn("cannot open a UDP socket to real server {}: {}", target, f.cause().getMessage());
            }
        });
        // The entry is freed as soon as its packet is sent, as the kernel does with one-packet entries.
        dest.unbind(false);
        int window = Math.min(REPLY_WINDOW_SECONDS, connections.timeouts().get().udp());
        upstream.eventLoop().schedule(() -> upstream.close(), window, TimeUnit.SECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf data = msg instanceof DatagramPacket packet ? packet.content() : (ByteBuf) msg;
        dest.countOut(data.readableBytes());
        listener.writeAndFlush(new DatagramPacket(data, client), listener.voidPromise());
        ctx.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("one-packet datagram {} -> {}: {}", client, ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}

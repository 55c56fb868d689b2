package dev.jvs.director.nat;

import dev.jvs.director.conn.Direction;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Real-server side of one proxied connection: relays backend bytes to the client, with the same backpressure. */
final class BackendHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(BackendHandler.class);

    private final ProxiedConnection pair;

    BackendHandler(ProxiedConnection pair) { this.pair = pair; }

    /** One per connection, never shared; said here so that adding it skips Netty's per-thread annotation lookup. */
    @Override
    public boolean isSharable() {
        return false;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf data = (ByteBuf) msg;
        pair.entry.countOut(data.readableBytes());
        pair.active();
        pair.client.write(data, pair.client.voidPromise());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (pair.spliced) return; // spliceTo flushes and applies backpressure itself
        pair.client.flush();
        if (!pair.client.isWritable()) ctx.channel().config().setAutoRead(false);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // The backend drained what the client sent: let the client side read again.
        if (ctx.channel().isWritable() && !pair.spliced) pair.client.config().setAutoRead(true);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            pair.backendFinished();
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        pair.backendClosed();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("real server connection error: {}", cause.toString());
        pair.reset(Direction.OUTPUT);
        ctx.close();
    }
}

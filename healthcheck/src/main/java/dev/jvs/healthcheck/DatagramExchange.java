package dev.jvs.healthcheck;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Sends one datagram on a connected UDP socket and waits for a reply the caller accepts, an ICMP error, or the
 * timeout. Shared by DNS_CHECK and UDP_CHECK; what a reply or silence means is theirs to say.
 */
final class DatagramExchange {

    private DatagramExchange() {
    }

    /**
     * @param onReply  the result for a reply, or null to ignore it and keep waiting (e.g. a DNS reply with the wrong id)
     * @param onSilence the result when nothing acceptable arrived within the timeout
     */
    static CompletableFuture<CheckResult> run(EventLoopGroup group, Class<? extends Channel> channelType,
                                              InetSocketAddress target, Optional<InetAddress> bindTo, Duration timeout,
                                              byte[] request, Function<byte[], CheckResult> onReply,
                                              CheckResult onSilence) {
        CompletableFuture<CheckResult> result = new CompletableFuture<>();
        Bootstrap bootstrap = new Bootstrap().group(group).channel(channelType)
                .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
                        ByteBuf content = packet.content();
                        byte[] bytes = new byte[content.readableBytes()];
                        content.readBytes(bytes);
                        CheckResult verdict = onReply.apply(bytes);
                        if (verdict != null && result.complete(verdict)) ctx.close();
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        // On a connected socket an ICMP port unreachable surfaces here.
                        result.complete(CheckResult.down(Probes.failure(cause, target, timeout)));
                        ctx.close();
                    }
                });
        try {
            ChannelFuture connect = bindTo.map(source -> bootstrap.connect(target, new InetSocketAddress(source, 0)))
                    .orElseGet(() -> bootstrap.connect(target));
            connect.addListener((ChannelFuture f) -> {
                if (!f.isSuccess()) {
                    result.complete(CheckResult.down(Probes.failure(f.cause(), target, timeout)));
                    return;
                }
                Channel ch = f.channel();
                ch.writeAndFlush(Unpooled.wrappedBuffer(request)).addListener(w -> {
                    if (!w.isSuccess()) result.complete(CheckResult.down(Probes.failure(w.cause(), target, timeout)));
                });
                ch.eventLoop().schedule(() -> {
                    result.complete(onSilence);
                    ch.close();
                }, timeout.toNanos(), TimeUnit.NANOSECONDS);
                result.whenComplete((r, e) -> ch.close());
            });
        } catch (RuntimeException e) {
            result.complete(CheckResult.down("cannot open a UDP socket to " + Probes.describe(target) + ": " + e));
        }
        return result;
    }
}

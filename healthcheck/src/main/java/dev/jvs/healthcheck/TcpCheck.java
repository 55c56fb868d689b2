package dev.jvs.healthcheck;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoopGroup;
import io.netty.util.ReferenceCountUtil;
import java.net.ConnectException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * keepalived's TCP_CHECK: the real server is up if a TCP handshake with it
 * completes within the connect timeout. The connection is closed at once; no
 * byte is sent.
 *
 * <p>Runs on the caller's event loop group, so thousands of checks share a few
 * threads. The channel type must match the group's transport (for example
 * {@code NioSocketChannel} with an NIO group).
 */
public final class TcpCheck implements Checker {

    private final TcpCheckConfig config;
    private final Bootstrap bootstrap;

    public TcpCheck(TcpCheckConfig config, EventLoopGroup group, Class<? extends Channel> channelType) {
        this.config = Objects.requireNonNull(config, "config");
        this.bootstrap = new Bootstrap()
                .group(Objects.requireNonNull(group, "group"))
                .channel(Objects.requireNonNull(channelType, "channelType"))
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.connectTimeout().toMillis())
                .handler(IgnoreTraffic.INSTANCE);
    }

    @Override
    public CompletableFuture<CheckResult> check() {
        CompletableFuture<CheckResult> result = new CompletableFuture<>();
        ChannelFuture connect;
        try {
            connect = config.bindTo()
                    .map(source -> bootstrap.connect(config.connectTo(), new InetSocketAddress(source, 0)))
                    .orElseGet(() -> bootstrap.connect(config.connectTo()));
        } catch (RuntimeException e) {
            // e.g. the group is shutting down: that is our failure, but the caller still gets a result.
            result.complete(CheckResult.down("cannot start connect to " + target() + ": " + e));
            return result;
        }
        if (connect.isDone()) {
            // Already failed (e.g. the group has shut down): a listener would be handed to the
            // channel's dead event loop and never run, so the result is taken here instead.
            finish(connect, result);
        } else {
            connect.addListener((ChannelFuture attempt) -> finish(attempt, result));
        }
        return result;
    }

    private void finish(ChannelFuture attempt, CompletableFuture<CheckResult> result) {
        if (attempt.isSuccess()) {
            attempt.channel().close();
            result.complete(CheckResult.up("connected to " + target()));
        } else {
            result.complete(CheckResult.down(failureReason(attempt.cause())));
        }
    }

    public TcpCheckConfig config() {
        return config;
    }

    private String failureReason(Throwable cause) {
        // ConnectTimeoutException is itself a ConnectException, so it is tested first.
        if (cause instanceof ConnectTimeoutException) {
            return "connect timeout after " + format(config.connectTimeout()) + " to " + target();
        }
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        if (cause instanceof ConnectException && message.contains("Connection refused")) {
            return "connection refused by " + target();
        }
        String source = config.bindTo().map(address -> " from " + format(address)).orElse("");
        return "connect to " + target() + source + " failed: " + message;
    }

    private String target() {
        InetSocketAddress target = config.connectTo();
        return format(target.getAddress()) + ":" + target.getPort();
    }

    private static String format(InetAddress address) {
        String text = address.getHostAddress();
        return address instanceof Inet6Address ? "[" + text + "]" : text;
    }

    /** "3s" for whole seconds, as operators write them in keepalived.conf; else "250ms". */
    static String format(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    }

    /**
     * The check is over once connected: bytes a server sends (a banner) and errors
     * after the handshake (a reset racing our close) say nothing more about it.
     */
    @ChannelHandler.Sharable
    private static final class IgnoreTraffic extends ChannelInboundHandlerAdapter {
        static final IgnoreTraffic INSTANCE = new IgnoreTraffic();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}

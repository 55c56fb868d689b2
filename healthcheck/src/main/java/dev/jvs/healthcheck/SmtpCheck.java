package dev.jvs.healthcheck;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.timeout.ReadTimeoutHandler;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** keepalived's SMTP_CHECK: expects the 220 banner, sends {@code HELO name}, expects 250, then says QUIT. */
public final class SmtpCheck implements Checker {

    private final String heloName;
    private final TcpCheckConfig connection;
    private final EventLoopGroup group;
    private final Class<? extends Channel> channelType;

    public SmtpCheck(String heloName, TcpCheckConfig connection, EventLoopGroup group, Class<? extends Channel> channelType) {
        this.heloName = Objects.requireNonNull(heloName, "heloName");
        this.connection = Objects.requireNonNull(connection, "connection");
        this.group = group;
        this.channelType = channelType;
    }

    @Override
    public CompletableFuture<CheckResult> check() {
        CompletableFuture<CheckResult> result = new CompletableFuture<>();
        InetSocketAddress target = connection.connectTo();
        Bootstrap bootstrap = new Bootstrap().group(group).channel(channelType)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connection.connectTimeout().toMillis())
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new ReadTimeoutHandler(connection.connectTimeout().toMillis(), TimeUnit.MILLISECONDS),
                                new Dialogue(result));
                    }
                });
        try {
            ChannelFuture connect = connection.bindTo()
                    .map(source -> bootstrap.connect(target, new InetSocketAddress(source, 0)))
                    .orElseGet(() -> bootstrap.connect(target));
            connect.addListener((ChannelFuture f) -> {
                if (!f.isSuccess()) result.complete(CheckResult.down(Probes.failure(f.cause(), target, connection.connectTimeout())));
            });
        } catch (RuntimeException e) {
            result.complete(CheckResult.down("cannot start connect to " + Probes.describe(target) + ": " + e));
        }
        return result;
    }

    /** Reads replies line by line; a multi-line reply ({@code 250-...}) ends at the line with a space after the code. */
    private final class Dialogue extends ChannelInboundHandlerAdapter {
        private final CompletableFuture<CheckResult> result;
        private final StringBuilder pending = new StringBuilder();
        private boolean heloSent;

        Dialogue(CompletableFuture<CheckResult> result) {
            this.result = result;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf data = (ByteBuf) msg;
            pending.append(data.toString(StandardCharsets.ISO_8859_1));
            data.release();
            int newline;
            while (!result.isDone() && (newline = pending.indexOf("\n")) >= 0) {
                String line = pending.substring(0, newline).stripTrailing();
                pending.delete(0, newline + 1);
                if (line.length() >= 4 && line.charAt(3) == '-') continue; // more lines of this reply follow
                reply(ctx, line);
            }
        }

        private void reply(ChannelHandlerContext ctx, String line) {
            String where = Probes.describe(connection.connectTo());
            if (!heloSent) {
                if (!line.startsWith("220")) {
                    fail(ctx, "SMTP banner '" + line + "' from " + where + " is not 220");
                    return;
                }
                heloSent = true;
                ctx.writeAndFlush(Unpooled.copiedBuffer("HELO " + heloName + "\r\n", StandardCharsets.US_ASCII));
            } else if (line.startsWith("250")) {
                result.complete(CheckResult.up("SMTP HELO accepted by " + where));
                ctx.writeAndFlush(Unpooled.copiedBuffer("QUIT\r\n", StandardCharsets.US_ASCII)).addListener(f -> ctx.close());
            } else {
                fail(ctx, "SMTP HELO answered '" + line + "' by " + where);
            }
        }

        private void fail(ChannelHandlerContext ctx, String reason) {
            result.complete(CheckResult.down(reason));
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            result.complete(CheckResult.down("SMTP server " + Probes.describe(connection.connectTo()) + " closed the connection"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            result.complete(CheckResult.down(Probes.failure(cause, connection.connectTo(), connection.connectTimeout())));
            ctx.close();
        }
    }
}

package dev.jvs.healthcheck;

import dev.jvs.healthcheck.config.CheckSpec;
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
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.handler.timeout.ReadTimeoutHandler;

import javax.net.ssl.SSLException;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * keepalived's HTTP_GET and SSL_GET: fetches each url with {@code GET path HTTP/1.0} and checks the status code
 * against the url's set and, when a digest is given, the MD5 of the body. TLS certificates are not verified, as
 * keepalived does not verify them either.
 *
 * <p>Difference from keepalived: one check fetches every url in turn (keepalived moves to the next url on each
 * delay_loop tick); the server is up only when all pass, which is the state keepalived reaches after a full walk.
 */
public final class HttpCheck implements Checker {

    /** Bodies beyond this are not read (a health page is small; a digest of a huge body is a misconfiguration). */
    static final int MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

    private final CheckSpec.Http spec;
    private final TcpCheckConfig connection;
    private final EventLoopGroup group;
    private final Class<? extends Channel> channelType;
    private final SslContext tls;

    public HttpCheck(CheckSpec.Http spec, TcpCheckConfig connection, EventLoopGroup group,
                     Class<? extends Channel> channelType) {
        this.spec = Objects.requireNonNull(spec, "spec");
        this.connection = Objects.requireNonNull(connection, "connection");
        this.group = group;
        this.channelType = channelType;
        this.tls = spec.tls() ? insecureClientContext() : null;
    }

    static SslContext insecureClientContext() {
        try {
            return SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot create a TLS client context: " + e.getMessage(), e);
        }
    }

    @Override
    public CompletableFuture<CheckResult> check() {
        return checkFrom(0);
    }

    private CompletableFuture<CheckResult> checkFrom(int index) {
        CheckSpec.Url url = spec.urls().get(index);
        return fetch(url).thenCompose(result -> !result.up() || index + 1 == spec.urls().size()
                ? CompletableFuture.completedFuture(result) : checkFrom(index + 1));
    }

    private CompletableFuture<CheckResult> fetch(CheckSpec.Url url) {
        CompletableFuture<CheckResult> result = new CompletableFuture<>();
        InetSocketAddress target = connection.connectTo();
        String host = url.virtualhost().orElse(Probes.describe(target));
        Bootstrap bootstrap = new Bootstrap().group(group).channel(channelType)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connection.connectTimeout().toMillis())
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (tls != null) {
                            String sni = spec.sniName().orElse(spec.enableSni() ? url.virtualhost().orElse(null) : null);
                            ch.pipeline().addLast(sni == null ? tls.newHandler(ch.alloc())
                                    : tls.newHandler(ch.alloc(), sni, target.getPort()));
                        }
                        ch.pipeline().addLast(new ReadTimeoutHandler(connection.connectTimeout().toMillis(), TimeUnit.MILLISECONDS),
                                new Exchange(request(url.path(), host), url, result));
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

    private String request(String path, String host) {
        String version = spec.httpProtocol().equals("1.1") ? "1.1" : "1.0";
        boolean close = !spec.httpProtocol().equals("1.0");
        return "GET " + path + " HTTP/" + version + "\r\n"
                + "User-Agent: KeepAliveClient\r\n"
                + (close ? "Connection: close\r\n" : "")
                + "Host: " + host + "\r\n\r\n";
    }

    /** A parsed response: status, and the body limited to Content-Length when one was sent. */
    record Response(int status, byte[] body) {

        /** Null while the header is incomplete. */
        static Response parse(byte[] data, boolean complete) {
            int end = indexOf(data, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            if (end < 0) return null;
            String header = new String(data, 0, end, StandardCharsets.ISO_8859_1);
            List<String> lines = header.lines().toList();
            String[] statusLine = lines.get(0).split(" ", 3);
            if (statusLine.length < 2 || !statusLine[0].startsWith("HTTP/")) return new Response(-1, new byte[0]);
            int status;
            try {
                status = Integer.parseInt(statusLine[1]);
            } catch (NumberFormatException e) {
                return new Response(-1, new byte[0]);
            }
            long contentLength = -1;
            for (String line : lines.subList(1, lines.size())) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("content-length")) {
                    try {
                        contentLength = Long.parseLong(line.substring(colon + 1).trim());
                    } catch (NumberFormatException ignored) {
                        // keepalived only logs a bad length
                    }
                }
            }
            int bodyStart = end + 4;
            int available = data.length - bodyStart;
            if (contentLength >= 0 && available < contentLength && !complete) return null;
            int length = contentLength >= 0 ? (int) Math.min(available, contentLength) : available;
            if (contentLength < 0 && !complete) return null;
            byte[] body = new byte[length];
            System.arraycopy(data, bodyStart, body, 0, length);
            return new Response(status, body);
        }

        String md5() {
            try {
                return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(body));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static int indexOf(byte[] data, byte[] pattern) {
        outer:
        for (int i = 0; i + pattern.length <= data.length; i++) {
            for (int j = 0; j < pattern.length; j++) if (data[i + j] != pattern[j]) continue outer;
            return i;
        }
        return -1;
    }

    /** One request/response on one connection. */
    private final class Exchange extends ChannelInboundHandlerAdapter {
        private final String request;
        private final CheckSpec.Url url;
        private final CompletableFuture<CheckResult> result;
        private final ByteArrayOutputStream received = new ByteArrayOutputStream();

        Exchange(String request, CheckSpec.Url url, CompletableFuture<CheckResult> result) {
            this.request = request;
            this.url = url;
            this.result = result;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            // With TLS the handler queues this until the handshake is done.
            ctx.writeAndFlush(Unpooled.copiedBuffer(request, StandardCharsets.US_ASCII));
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf data = (ByteBuf) msg;
            try {
                if (received.size() < MAX_RESPONSE_BYTES) {
                    byte[] bytes = new byte[Math.min(data.readableBytes(), MAX_RESPONSE_BYTES - received.size())];
                    data.readBytes(bytes);
                    received.writeBytes(bytes);
                }
            } finally {
                data.release();
            }
            Response response = Response.parse(received.toByteArray(), received.size() >= MAX_RESPONSE_BYTES);
            if (response != null) {
                // The whole body is here: no need to wait for the server to close.
                finish(response);
                ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (result.isDone()) return;
            Response response = Response.parse(received.toByteArray(), true);
            if (response == null) {
                result.complete(CheckResult.down("incomplete HTTP response header from " + where()));
            } else {
                finish(response);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            result.complete(CheckResult.down(Probes.failure(cause, connection.connectTo(), connection.connectTimeout())));
            ctx.close();
        }

        private void finish(Response response) {
            if (response.status < 0) {
                result.complete(CheckResult.down("malformed HTTP status line from " + where()));
            } else if (!url.statusCodes().accepts(response.status)) {
                result.complete(CheckResult.down("HTTP status " + response.status + " from " + where()
                        + " for " + url.path()));
            } else if (url.digest().isPresent() && !url.digest().get().equals(response.md5())) {
                result.complete(CheckResult.down("MD5 digest mismatch for " + url.path() + " from " + where()
                        + ": got " + response.md5() + ", expected " + url.digest().get()));
            } else {
                result.complete(CheckResult.up("HTTP status " + response.status + " from " + where() + " for " + url.path()));
            }
        }

        private String where() {
            return Probes.describe(connection.connectTo());
        }
    }
}

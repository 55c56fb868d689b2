package dev.jvs.director.takeover;

import dev.jvs.control.ControlRequest;
import dev.jvs.director.control.ControlServer;
import dev.jvs.director.packet.PacketPath;
import dev.jvs.director.sync.ConnectionInstaller;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.DomainSocketReadMode;
import io.netty.channel.unix.FileDescriptor;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The new director's side of {@code --takeover}: asks the running director for its sockets and table, then keeps
 * the connection open for the flow table the old director sends when it stops.
 */
public final class TakeoverClient implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TakeoverClient.class);

    private final EventLoopGroup loop;
    private final Channel channel;
    private final Receiver receiver;
    private final HandOverText handOver;

    private TakeoverClient(EventLoopGroup loop, Channel channel, Receiver receiver, HandOverText handOver) {
        this.loop = loop;
        this.channel = channel;
        this.receiver = receiver;
        this.handOver = handOver;
    }

    /** Receives the hand-over from the director serving {@code socket}, or says why it cannot. */
    public static TakeoverClient receive(Path socket, long timeoutMillis) throws IOException {
        io.netty.channel.epoll.Epoll.ensureAvailability();
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        Receiver receiver = new Receiver();
        try {
            Channel ch = new Bootstrap().group(loop).channel(EpollDomainSocketChannel.class)
                    .option(EpollChannelOption.DOMAIN_SOCKET_READ_MODE, DomainSocketReadMode.FILE_DESCRIPTORS)
                    .handler(receiver)
                    .connect(new DomainSocketAddress(socket.toAbsolutePath().toString())).syncUninterruptibly()
                    .channel();
            StringWriter request = new StringWriter();
            ControlRequest.single("jvs-director", List.of(ControlServer.TAKEOVER_ARG)).write(request);
            ch.writeAndFlush(Unpooled.copiedBuffer(request.toString(), StandardCharsets.UTF_8)).syncUninterruptibly();
            ((EpollDomainSocketChannel) ch).shutdownOutput().syncUninterruptibly();
            HandOverText handOver = receiver.handOver.get(timeoutMillis, TimeUnit.MILLISECONDS);
            return new TakeoverClient(loop, ch, receiver, handOver);
        } catch (TimeoutException e) {
            loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw new IOException("no hand-over from the director on " + socket + " within " + timeoutMillis + " ms");
        } catch (ExecutionException e) {
            loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause().toString());
        } catch (IOException e) {
            loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        } catch (RuntimeException e) {
            loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw new IOException("cannot reach a director on " + socket + ": " + e.getMessage());
        } catch (InterruptedException e) {
            loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while taking over");
        }
    }

    public HandOverText handOver() {
        return handOver;
    }

    /**
     * The flow table the old director sends once it has stopped its packet threads (see {@link FlowHandOver}), or
     * null when it sends none: it closed the connection first (an older release, or it died), or it did not
     * answer within {@code timeoutMillis}.
     */
    public ByteBuffer awaitFlows(long timeoutMillis) throws IOException, InterruptedException {
        if (!handOver.flowsLater()) return null;
        FileDescriptor fd;
        try {
            fd = receiver.flows.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return null;
        } catch (ExecutionException e) {
            throw new IOException(e.getCause());
        }
        if (fd == null) return null;
        try {
            return ByteBuffer.wrap(Files.readAllBytes(Path.of("/proc/self/fd/" + fd.intValue())));
        } finally {
            fd.close();
        }
    }

    /**
     * Once the old director has been told to stop: waits (at most {@code waitMillis}) for its flow table, closes
     * this connection, and lets {@code packets} forward, the inherited packet flows installed first (templates go
     * to {@code table}). {@code stoppedNanos}: when the old director was told to stop, for the log.
     */
    public void inheritFlows(PacketPath packets, ConnectionInstaller table, long waitMillis, long stoppedNanos)
            throws InterruptedException {
        ByteBuffer flows = null;
        try {
            flows = awaitFlows(waitMillis);
        } catch (IOException e) {
            log.error("cannot read the flow table of pid {}: {}", handOver.pid(), e.getMessage());
        } finally {
            close();
        }
        ByteBuffer handed = flows;
        packets.resume(() -> {
            if (handed == null) {
                log.warn("no flow table from pid {}: packet flows and persistence templates start empty",
                        handOver.pid());
                return;
            }
            ConnectionInstaller packetsFirst = packets.installer();
            try {
                int records = FlowHandOver.install(handed, r -> packetsFirst.install(r) || table.install(r));
                log.info("installed {} packet flows and templates from pid {}; forwarding {} ms after stopping it",
                        records, handOver.pid(), (System.nanoTime() - stoppedNanos) / 1_000_000);
            } catch (IllegalArgumentException e) {
                log.error("the flow table of pid {} is unreadable: {}", handOver.pid(), e.getMessage());
            }
        });
    }

    @Override
    public void close() {
        channel.close();
        loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
    }

    /**
     * Collects the descriptors: the first is the text, which says how many follow; one more, later, is the flow
     * table. Runs on this client's own event loop (reading the short text there holds up nothing else).
     */
    private static final class Receiver extends ChannelInboundHandlerAdapter {
        final CompletableFuture<HandOverText> handOver = new CompletableFuture<>();
        final CompletableFuture<FileDescriptor> flows = new CompletableFuture<>();
        private final List<FileDescriptor> fds = new ArrayList<>();
        private String text;
        private int expected;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof FileDescriptor fd)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (handOver.isDone()) {
                if (!flows.complete(fd)) close(fd);
                return;
            }
            try {
                if (text == null) {
                    text = Files.readString(Path.of("/proc/self/fd/" + fd.intValue()));
                    fd.close();
                    expected = HandOverText.descriptorsNamed(text);
                } else {
                    fds.add(fd);
                }
                if (fds.size() == expected) handOver.complete(HandOverText.read(text, fds));
            } catch (IOException | RuntimeException e) {
                handOver.completeExceptionally(e instanceof IOException ? e : new IOException(e.toString()));
                ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (text == null) {
                handOver.completeExceptionally(new IOException("the director on " + ctx.channel().remoteAddress()
                        + " refused the takeover (see its log)"));
            } else {
                handOver.completeExceptionally(new IOException("incomplete hand-over (" + fds.size() + " of "
                        + expected + " descriptors)"));
            }
            flows.complete(null);
        }

        private static void close(FileDescriptor fd) {
            try {
                fd.close();
            } catch (IOException ignored) {
                // nothing to release
            }
        }
    }
}

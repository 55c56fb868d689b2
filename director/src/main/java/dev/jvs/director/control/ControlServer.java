package dev.jvs.director.control;

import dev.jvs.control.ControlReply;
import dev.jvs.control.ControlRequest;
import dev.jvs.control.ControlSocket;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.FileDescriptor;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.StringWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The director's control socket: a Unix domain socket, mode 0600, that only the director's own user (or
 * root) may use. Each connection carries one {@link ControlRequest} (the client half-closes after it) and gets
 * one {@link ControlReply}.
 *
 * <p>Bounded in every direction: one event-loop thread serves every client (no thread per connection), at most
 * {@link Limits#maxClients} at once, a request larger than {@link Limits#maxRequestBytes} or not complete
 * within {@link Limits#requestTimeout} is refused, and bad requests are logged at most once per interval.
 * Requests run one at a time on their own thread, off the event loop.
 */
public final class ControlServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ControlServer.class);

    /**
     * The bounds. 32 MiB holds an ipvsadm-restore of 100,000 services with two real servers each (about 14 MB)
     * with room to spare.
     */
    public record Limits(int maxRequestBytes, Duration requestTimeout, int maxClients, Duration logInterval) {
        public static final Limits DEFAULT = new Limits(32 << 20, Duration.ofSeconds(10), 64, Duration.ofSeconds(10));
    }

    private final Path path;
    private final CommandExecutor executor;
    private final Limits limits;
    private final long ownUid = ControlSocket.uid();
    private final java.util.function.Consumer<String> badRequestSink;
    private EventLoopGroup loop;
    private ExecutorService requests;
    private Channel server;
    private BadRequestLog badRequests;
    private int clients; // owned by the event loop
    private volatile HandOver handOver;
    /** Set once a successor received our sockets: requests are refused and the socket path is kept at close. */
    private volatile boolean handedOver;
    private volatile boolean stoppedAccepting;

    /** The control request a {@code jvs-director --takeover} sends; ipvsadm's grammar never produces it. */
    public static final String TAKEOVER_ARG = "--takeover";

    /** What the running director gives a successor that takes it over. */
    public interface HandOver {
        /**
         * The descriptors to pass, in order; the first is a file whose text says what the others are. It is
         * closed after sending, the others are left open.
         */
        List<FileDescriptor> prepare() throws IOException;

        /** Once they are sent: the successor's connection, kept open for a later message, else closed. */
        default void sent(io.netty.channel.Channel successor) {
            successor.close();
        }
    }

    public ControlServer(Path path, CommandExecutor executor) {
        this(path, executor, Limits.DEFAULT);
    }

    public ControlServer(Path path, CommandExecutor executor, Limits limits) {
        this(path, executor, limits, BadRequestLog.WARN);
    }

    ControlServer(Path path, CommandExecutor executor, Limits limits, java.util.function.Consumer<String> badRequestSink) {
        this.path = path.toAbsolutePath();
        this.executor = executor;
        this.limits = limits;
        this.badRequestSink = badRequestSink;
    }

    /**
     * Binds the socket. The caller holds the socket's {@link InstanceLock}, so a socket file already there was
     * left by a director that died; it is removed only if nobody answers on it.
     */
    public void start() throws IOException {
        start(null);
    }

    /** Lets {@code jvs-director --takeover} take this director's sockets (see {@link HandOver}). */
    public void handOver(HandOver handOver) {
        this.handOver = handOver;
    }

    /** True once a successor received the sockets. */
    public boolean handedOver() {
        return handedOver;
    }

    /** The listening socket's descriptor, to hand over. */
    public FileDescriptor serverFd() {
        return ((io.netty.channel.unix.UnixChannel) server).fd();
    }

    /**
     * Binds the socket, or with {@code inherited} serves the listening socket received from the director this
     * one takes over (same path, nothing unlinked or bound: clients never find it missing).
     */
    public void start(FileDescriptor inherited) throws IOException {
        if (inherited != null) {
            loop = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("jvs-control", true), EpollIoHandler.newFactory());
            requests = newRequestThread();
            badRequests = new BadRequestLog(loop.next(), limits.logInterval(), badRequestSink);
            server = bootstrap().channelFactory(() -> new EpollServerDomainSocketChannel(inherited.intValue(), true))
                    .register().syncUninterruptibly().channel();
            log.info("control socket {} (taken over)", path);
            return;
        }
        Path dir = path.getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        if (Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            if (someoneListens()) {
                throw new IOException("another process already listens on " + path + " (left untouched)");
            }
            Files.delete(path); // left over by a director that did not shut down cleanly
        }
        if (!io.netty.channel.epoll.Epoll.isAvailable()) {
            throw new IOException("the control socket needs Netty's native epoll transport: "
                    + io.netty.channel.epoll.Epoll.unavailabilityCause());
        }
        loop = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("jvs-control", true), EpollIoHandler.newFactory());
        requests = newRequestThread();
        badRequests = new BadRequestLog(loop.next(), limits.logInterval(), badRequestSink);
        try {
            server = bootstrap().channel(EpollServerDomainSocketChannel.class)
                    .bind(new DomainSocketAddress(path.toString())).syncUninterruptibly().channel();
        } catch (RuntimeException e) {
            loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw new IOException("cannot listen on " + path + ": " + e.getMessage());
        }
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        log.info("control socket {}", path);
    }

    private ServerBootstrap bootstrap() {
        return new ServerBootstrap()
                .group(loop)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childHandler(new ChannelInitializer<EpollDomainSocketChannel>() {
                    @Override
                    protected void initChannel(EpollDomainSocketChannel ch) {
                        ch.pipeline().addLast(new ClientHandler());
                    }
                });
    }

    private static ExecutorService newRequestThread() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "jvs-control-request");
            t.setDaemon(true);
            return t;
        });
    }

    public Path path() { return path; }

    /** How many clients are connected right now (for tests and the status page). */
    public int clients() {
        return loop.next().submit(() -> clients).syncUninterruptibly().getNow();
    }

    private boolean someoneListens() {
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(path));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * One connection: collects the request up to its half-close, runs it, replies, closes. A refused client gets
     * its reply at once, and what it still sends is read and dropped until it half-closes: closing a Unix socket
     * with unread data would reset the connection and lose the reply.
     */
    private final class ClientHandler extends ChannelInboundHandlerAdapter {
        private ByteBuf request;
        private ScheduledFuture<?> timeout;
        private boolean done;      // the request is complete, refused or dropped: nothing more is kept
        private boolean draining;  // refused: input is discarded until the client half-closes

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            clients++;
            timeout = ctx.executor().schedule(() -> {
                if (!done) badRequests.report("a request incomplete after " + limits.requestTimeout().toSeconds() + " s was dropped");
                done = true;
                ctx.close();
            }, limits.requestTimeout().toNanos(), TimeUnit.NANOSECONDS);
            if (clients > limits.maxClients()) {
                refuse(ctx, "too many control clients at once (" + limits.maxClients() + "); try again");
                return;
            }
            int uid;
            try {
                uid = ((EpollDomainSocketChannel) ctx.channel()).peerCredentials().uid();
            } catch (IOException e) {
                uid = -1; // unknown peer: treated as a stranger
            }
            if (uid != 0 && uid != ownUid) {
                refuse(ctx, "Permission denied (you must be root)");
                return;
            }
            request = ctx.alloc().heapBuffer(1024);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf bytes = (ByteBuf) msg;
            try {
                if (done) return;
                if (request.readableBytes() + bytes.readableBytes() > limits.maxRequestBytes()) {
                    refuse(ctx, "control request too large: more than " + limits.maxRequestBytes() + " bytes");
                    return;
                }
                request.writeBytes(bytes);
            } finally {
                bytes.release();
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (!(event instanceof ChannelInputShutdownEvent)) return;
            if (draining) {
                timeout.cancel(false);
                closeWhenReplied(ctx);
                return;
            }
            if (done) return;
            done = true;
            timeout.cancel(false);
            ControlRequest parsed;
            try {
                parsed = ControlRequest.read(new BufferedReader(new InputStreamReader(
                        new ByteBufInputStream(request), StandardCharsets.UTF_8)));
            } catch (IOException e) {
                badRequests.report(e.getMessage());
                reply(ctx, ControlReply.error(255, "bad control request: " + e.getMessage()));
                closeWhenReplied(ctx);
                return;
            } finally {
                release();
            }
            if (isTakeover(parsed)) {
                requests.execute(() -> handOver(ctx));
                return;
            }
            requests.execute(() -> {
                ControlReply reply;
                try {
                    reply = handedOver
                            ? ControlReply.error(255, "this director was taken over and is stopping; try again")
                            : executor.execute(parsed);
                } catch (RuntimeException e) {
                    log.error("control request failed", e);
                    reply = ControlReply.error(255, "internal error: " + e);
                }
                reply(ctx, reply);
                closeWhenReplied(ctx);
            });
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            clients--;
            if (timeout != null) timeout.cancel(false);
            release();
            if (!done) badRequests.report("the client went away before its request was complete");
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!done) badRequests.report(cause.getMessage());
            done = true;
            ctx.close();
        }

        /** Sends our sockets to a successor: descriptors only (the first is the text that names the rest). */
        private void handOver(ChannelHandlerContext ctx) {
            HandOver source = handOver;
            List<FileDescriptor> fds;
            try {
                if (source == null || handedOver) throw new IOException("not available");
                fds = source.prepare();
            } catch (IOException | RuntimeException e) {
                log.error("takeover refused: {}", e.getMessage());
                ctx.close(); // the successor sees no descriptors and says so
                return;
            }
            handedOver = true;
            log.info("handing over {} descriptors to a new director", fds.size());
            resumeIfSuccessorDies(ctx);
            for (FileDescriptor fd : fds) ctx.write(fd);
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
                try {
                    fds.get(0).close();
                } catch (IOException ignored) {
                    // a temp file's descriptor
                }
                source.sent(ctx.channel());
            });
        }

        /** A successor that dies before it stops us leaves us in charge again, as if nothing had happened. */
        private void resumeIfSuccessorDies(ChannelHandlerContext ctx) {
            try {
                int pid = ((EpollDomainSocketChannel) ctx.channel()).peerCredentials().pid();
                ProcessHandle.of(pid).ifPresent(successor -> successor.onExit().thenRun(() -> {
                    if (handedOver && !stoppedAccepting) {
                        handedOver = false;
                        log.warn("the new director (pid {}) exited before taking over: serving again", pid);
                    }
                }));
            } catch (IOException e) {
                log.warn("cannot watch the new director: {}", e.getMessage());
            }
        }

        private void refuse(ChannelHandlerContext ctx, String message) {
            done = true;
            draining = true;
            release();
            badRequests.report(message);
            reply(ctx, ControlReply.error(255, message));
        }

        private void release() {
            if (request != null) {
                request.release();
                request = null;
            }
        }

        private ChannelFuture replied = null;

        private void reply(ChannelHandlerContext ctx, ControlReply reply) {
            StringWriter text = new StringWriter();
            try {
                reply.write(text);
            } catch (IOException impossible) {
                throw new IllegalStateException(impossible);
            }
            replied = ctx.writeAndFlush(Unpooled.copiedBuffer(text.toString(), StandardCharsets.UTF_8));
        }

        private void closeWhenReplied(ChannelHandlerContext ctx) {
            if (replied == null) ctx.close();
            else replied.addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** Taken over: accept no more clients, without closing the socket (the successor serves it). */
    public void stopAccepting() {
        stoppedAccepting = true;
        if (server != null) server.deregister().syncUninterruptibly();
    }

    private static boolean isTakeover(ControlRequest request) {
        return request.lines().size() == 1 && request.lines().get(0).args().equals(List.of(TAKEOVER_ARG));
    }

    @Override
    public void close() {
        if (server != null) {
            // Closing would unlink the path, which now names the successor's socket: the descriptor ends with us.
            if (!handedOver) server.close().syncUninterruptibly();
            try {
                // After a takeover the path names the socket the successor serves: leave it.
                if (!handedOver) Files.deleteIfExists(path);
            } catch (IOException e) {
                log.warn("removing control socket: {}", e.getMessage());
            }
        }
        if (requests != null) requests.shutdownNow();
        if (loop != null) loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}

package dev.jvs.director.takeover;

import dev.jvs.control.ControlRequest;
import dev.jvs.director.control.ControlServer;
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

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The new director's side of {@code --takeover}: asks the running director for its sockets and table. */
public final class TakeoverClient {

    private TakeoverClient() {}

    /** Receives the hand-over from the director serving {@code socket}, or says why it cannot. */
    public static HandOverText receive(Path socket, long timeoutMillis) throws IOException {
        io.netty.channel.epoll.Epoll.ensureAvailability();
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        List<FileDescriptor> received = new ArrayList<>();
        try {
            Channel ch = new Bootstrap().group(loop).channel(EpollDomainSocketChannel.class)
                    .option(EpollChannelOption.DOMAIN_SOCKET_READ_MODE, DomainSocketReadMode.FILE_DESCRIPTORS)
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            if (msg instanceof FileDescriptor fd) {
                                synchronized (received) {
                                    received.add(fd);
                                }
                            } else {
                                ReferenceCountUtil.release(msg);
                            }
                        }
                    })
                    .connect(new DomainSocketAddress(socket.toAbsolutePath().toString())).syncUninterruptibly()
                    .channel();
            StringWriter request = new StringWriter();
            ControlRequest.single("jvs-director", List.of(ControlServer.TAKEOVER_ARG)).write(request);
            ch.writeAndFlush(Unpooled.copiedBuffer(request.toString(), StandardCharsets.UTF_8)).syncUninterruptibly();
            ((EpollDomainSocketChannel) ch).shutdownOutput().syncUninterruptibly();
            if (!ch.closeFuture().awaitUninterruptibly(timeoutMillis)) {
                ch.close();
                throw new IOException("no hand-over from the director on " + socket + " within " + timeoutMillis + " ms");
            }
        } catch (RuntimeException e) {
            throw new IOException("cannot reach a director on " + socket + ": " + e.getMessage());
        } finally {
            loop.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        }
        synchronized (received) {
            if (received.isEmpty()) {
                throw new IOException("the director on " + socket + " refused the takeover (see its log)");
            }
            FileDescriptor textFd = received.get(0);
            String text = Files.readString(Path.of("/proc/self/fd/" + textFd.intValue()));
            textFd.close();
            return HandOverText.read(text, received.subList(1, received.size()));
        }
    }
}

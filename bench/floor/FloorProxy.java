import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.unix.Socket;
import io.netty.channel.unix.UnixChannel;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;

import java.net.InetSocketAddress;

/**
 * The least a TCP proxy on Netty's io_uring transport does per connection, as a yardstick for JVS NAT
 * (bench/nat_floor.sh): one SO_REUSEPORT listener per event loop, the real server connected on the client's loop,
 * round robin, bytes relayed with autoRead backpressure. No connection table, scheduler, timers, counters or
 * limits.
 *
 * <p>{@code half-close} passes each side's FIN on to the other and closes once both came, as JVS (and IPVS) do;
 * {@code close} closes both sockets at the first FIN, once what was read is written, as nginx stream does by
 * default ({@code proxy_half_close off}). The difference between the two is what passing a half-close costs.
 *
 * <p>Usage: {@code java -cp CLASSES:director/target/lib/* FloorProxy half-close|close PORT REAL_PORT...}
 * (all on 127.0.0.1).
 */
public final class FloorProxy {

    private final boolean halfClose;
    private final InetSocketAddress[] realServers;
    private int next;

    private FloorProxy(boolean halfClose, InetSocketAddress[] realServers) {
        this.halfClose = halfClose;
        this.realServers = realServers;
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length < 3 || !(args[0].equals("half-close") || args[0].equals("close"))) {
            System.err.println("usage: FloorProxy half-close|close PORT REAL_PORT...");
            System.exit(2);
        }
        InetSocketAddress[] realServers = new InetSocketAddress[args.length - 2];
        for (int i = 2; i < args.length; i++) {
            realServers[i - 2] = new InetSocketAddress("127.0.0.1", Integer.parseInt(args[i]));
        }
        new FloorProxy(args[0].equals("half-close"), realServers).serve(Integer.parseInt(args[1]));
    }

    private void serve(int port) throws InterruptedException {
        int loops = Runtime.getRuntime().availableProcessors();
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(loops, IoUringIoHandler.newFactory());
        for (int i = 0; i < loops; i++) {
            listen(group.next(), port, new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel client) {
                    client.pipeline().addLast(new Side(true));
                }
            });
        }
        group.terminationFuture().sync();
    }

    /**
     * Binds one SO_REUSEPORT listener on 127.0.0.1:{@code port} served by {@code loop}; its connections stay on
     * that loop, do not read until asked, and see a FIN as a half-close (also used by HybridProxy).
     */
    static void listen(EventLoop loop, int port, ChannelHandler childHandler) throws InterruptedException {
        new ServerBootstrap().group(loop, loop).channel(IoUringServerSocketChannel.class)
                .option(IoUringChannelOption.SO_REUSEPORT, true)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childHandler(childHandler)
                .bind("127.0.0.1", port).sync();
    }

    /** One side of a proxied pair; {@code peer} is the other side's channel. Both run on one event loop. */
    private final class Side extends ChannelInboundHandlerAdapter {
        private final boolean isClient;
        Channel peer;

        Side(boolean isClient) {
            this.isClient = isClient;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            if (!isClient) return;
            Channel client = ctx.channel();
            IoUringSocketChannel backend = new IoUringSocketChannel();
            backend.config().setAutoRead(false);
            backend.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
            Side backendSide = new Side(false);
            backendSide.peer = client;
            backend.pipeline().addLast(backendSide);
            peer = backend;
            client.eventLoop().register(backend);
            InetSocketAddress target = realServers[next++ % realServers.length];
            next %= realServers.length;
            backend.connect(target).addListener((ChannelFutureListener) f -> {
                if (!f.isSuccess()) {
                    client.close();
                } else if (!client.isActive()) {
                    backend.close(); // the client left while it connected
                } else {
                    client.config().setAutoRead(true);
                    backend.config().setAutoRead(true);
                }
            });
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            peer.write(msg, peer.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            peer.flush();
            if (!peer.isWritable()) ctx.channel().config().setAutoRead(false);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable() && peer != null) peer.config().setAutoRead(true);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (!(evt instanceof ChannelInputShutdownEvent) || peer == null) return;
            Channel self = ctx.channel();
            Channel out = peer;
            // once what this side sent is written, pass its FIN on (or close both)
            out.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> {
                if (!out.isActive()) return;
                if (!halfClose || ((DuplexChannel) out).isInputShutdown()) {
                    out.close();
                    self.close();
                } else if (shutdownOutput(out)) {
                    // its own FIN then closes it (and its peer), as in JVS: no SHUT_RD on a socket both FINs ended
                    out.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, false);
                }
            });
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (peer == null) return;
            if (peer.isActive()) {
                peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            } else {
                peer.close(); // still connecting
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** The FIN, sent on the socket itself: Netty's shutdownOutput() builds an exception with a stack trace each time. */
    static boolean shutdownOutput(Channel channel) {
        try {
            ((Socket) ((UnixChannel) channel).fd()).shutdown(false, true);
            return true;
        } catch (Exception gone) {
            channel.close();
            return false;
        }
    }
}

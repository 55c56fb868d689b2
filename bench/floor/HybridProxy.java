import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.uring.IoUringIoEvent;
import io.netty.channel.uring.IoUringIoHandle;
import io.netty.channel.uring.IoUringIoOps;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Half of each pair below Netty's channels, as a yardstick for JVS NAT (bench/nat_floor.sh): the client's socket
 * is a Netty io_uring channel, accepted as JVS accepts it, and the real server's is a bare descriptor driven by
 * ring operations of one registration on the client's event loop (socket, TCP_NODELAY, connect, recv, send,
 * close), as {@code RingRelay} drives both. What it measures: how much of the ring relay's gain a director keeps
 * when only the socket it opens itself leaves the channels.
 *
 * <p>Half-closes pass on as in JVS: the client's FIN goes to the real server (shutdown(2)) once what it sent is
 * sent; the real server's goes to the client once what it sent is flushed; the pair closes once both came.
 *
 * <p>Usage: {@code java -cp CLASSES:director/target/lib/* HybridProxy PORT REAL_PORT...} (all on 127.0.0.1).
 */
public final class HybridProxy {

    private static final AtomicLong FAULTS = new AtomicLong();
    private final long[] realServers; // native sockaddr_in, one per real server
    private int next;

    private HybridProxy(long[] realServers) {
        this.realServers = realServers;
    }

    public static void main(String[] args) throws InterruptedException {
        MultiThreadIoEventLoopGroup group = Ring.loops("HybridProxy", args, FAULTS);
        int port = Integer.parseInt(args[0]);
        for (int i = 0; i < group.executorCount(); i++) {
            HybridProxy proxy = new HybridProxy(Ring.realServers(args, 1)); // one per loop: its own round robin
            FloorProxy.listen(group.next(), port, new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel client) {
                    client.pipeline().addLast(proxy.new Pair());
                }
            });
        }
        group.terminationFuture().sync();
    }

    /** The client's channel handler and the real server's ring handle of one proxied pair, on one event loop. */
    private final class Pair extends ChannelInboundHandlerAdapter implements IoUringIoHandle {
        private static final short SOCKET = 1, NODELAY = 2, CONNECT = 3, RECV = 4, SEND = 5, CLOSE = 6, CANCEL = 7;

        private Channel client;
        private IoRegistration registration;
        private int backend = -1;
        private ByteBuf up;      // being sent to the real server
        private ByteBuf pending; // read from the client since, to send next (io_uring reads a client's last bytes
                                 // and its FIN whatever autoRead says)
        private ByteBuf down; // the real server's recv buffer while one is in flight
        private boolean connected, sending, waitingForRoom, clientEnded, backendEnded, closing;
        private int inFlight;

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            client = ctx.channel();
            registration = ((IoEventLoop) client.eventLoop()).register(this).getNow();
            submit(Ring.socket(SOCKET));
            client.read(); // what comes with the connection is in hand when it connects
        }

        private void submit(IoUringIoOps ops) {
            registration.submit(ops);
            inFlight++;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf data = (ByteBuf) msg;
            if (closing) {
                data.release();
            } else if (pending == null) {
                pending = data;
            } else { // more before the last was sent: one buffer, so that one send takes both
                ByteBuf both = ctx.alloc().directBuffer(pending.readableBytes() + data.readableBytes());
                both.writeBytes(pending).writeBytes(data);
                pending.release();
                data.release();
                pending = both;
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (connected && !sending && pending != null) sendPending();
        }

        private void sendPending() {
            up = pending;
            pending = null;
            sendUp();
        }

        private void sendUp() {
            sending = true;
            submit(Ring.send(backend, up.memoryAddress() + up.readerIndex(), up.readableBytes(), SEND));
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (!(evt instanceof ChannelInputShutdownEvent)) return;
            clientEnded = true;
            if (!connected || sending) return; // passed on once connected, or once sent
            if (pending != null) sendPending();
            else clientFinToBackend();
        }

        /** The client's FIN, all it sent before being sent: on to the real server, or close if its FIN came too. */
        private void clientFinToBackend() {
            if (backendEnded) {
                closeBoth();
            } else if (Ring.shutdownOutput(backend) != 0) {
                closeBoth();
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (waitingForRoom && client.isWritable()) {
                waitingForRoom = false;
                armRecv();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            closeBoth();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            closeBoth();
        }

        private void armRecv() {
            down = client.alloc().directBuffer(Ring.BUFFER, Ring.BUFFER);
            submit(Ring.recv(backend, down.memoryAddress(), Ring.BUFFER, RECV));
        }

        @Override
        public void handle(IoRegistration registration, IoEvent event) {
            IoUringIoEvent e = (IoUringIoEvent) event;
            int res = e.res();
            inFlight--;
            switch ((short) e.userData()) {
                case SOCKET -> {
                    if (res < 0) {
                        FAULTS.incrementAndGet();
                        closeBoth();
                    } else if (closing) {
                        submit(Ring.close(res, CLOSE));
                    } else {
                        backend = res;
                        submit(Ring.setTcpNoDelay(backend, NODELAY));
                        submit(Ring.connect(backend, realServers[next++ % realServers.length], CONNECT));
                        next %= realServers.length;
                    }
                }
                case NODELAY -> {
                    if (res < 0) FAULTS.incrementAndGet();
                }
                case CONNECT -> {
                    if (closing) break;
                    if (res < 0) {
                        closeBoth();
                        break;
                    }
                    connected = true;
                    armRecv();
                    if (pending != null) sendPending();
                    else if (clientEnded) clientFinToBackend();
                }
                case SEND -> {
                    if (closing) break;
                    if (res < 0) {
                        closeBoth();
                        break;
                    }
                    up.skipBytes(res);
                    if (up.isReadable()) {
                        sendUp();
                        break;
                    }
                    up.release();
                    up = null;
                    sending = false;
                    if (pending != null) sendPending();
                    else if (clientEnded) clientFinToBackend();
                    else client.read();
                }
                case RECV -> {
                    ByteBuf got = down;
                    down = null;
                    if (closing || res <= 0) {
                        got.release();
                        if (closing) break;
                        if (res < 0) {
                            closeBoth();
                            break;
                        }
                        backendEnded = true;
                        // the real server's FIN, once what it sent is flushed: on to the client, or close
                        client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> {
                            if (clientEnded || !client.isActive()) {
                                closeBoth();
                            } else if (FloorProxy.shutdownOutput(client)) {
                                // its FIN then closes it, and the pair: no SHUT_RD on a socket both FINs ended
                                client.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, false);
                            }
                        });
                        break;
                    }
                    got.writerIndex(res);
                    client.writeAndFlush(got, client.voidPromise());
                    if (client.isWritable()) armRecv();
                    else waitingForRoom = true;
                }
                case CLOSE, CANCEL -> { }
                default -> FAULTS.incrementAndGet();
            }
            if (closing && inFlight == 0) finish();
        }

        private void closeBoth() {
            if (closing) return;
            closing = true;
            if (client.isOpen()) client.close();
            if (backend >= 0) {
                submit(Ring.cancelAll(backend, CANCEL));
                submit(Ring.close(backend, CLOSE));
            }
            if (inFlight == 0) finish();
        }

        private void finish() {
            if (up != null) {
                up.release();
                up = null;
            }
            if (pending != null) {
                pending.release();
                pending = null;
            }
            registration.cancel();
        }

        @Override
        public void close() {
        }
    }
}

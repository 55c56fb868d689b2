import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.unix.Socket;
import io.netty.channel.uring.IoUringIoEvent;
import io.netty.channel.uring.IoUringIoHandle;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringIoOps;
import io.netty.util.internal.PlatformDependent;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP relay on Netty's io_uring event loops but below its channels, as a yardstick for JVS NAT
 * (bench/nat_floor.sh): what passing half-closes on costs when each socket is a bare descriptor driven by ring
 * operations, with no channel, pipeline, promise, address lookup or POLLRDHUP poll per socket.
 *
 * <p>One SO_REUSEPORT listener per event loop; accept (with the client's address, as a director needs it), the
 * real server's socket, its TCP_NODELAY, connect, recv, send and close are all ring operations of one
 * registration per proxied pair. One 16 KiB buffer per direction, refilled only once it has been sent: that is
 * the backpressure. A FIN is passed on as a shutdown of the other side's output once what came before it is sent;
 * the pair closes once both sides' FINs came, as JVS (and IPVS) do.
 *
 * <p>Usage: {@code java -cp CLASSES:director/target/lib/* RingRelay PORT REAL_PORT...} (all on 127.0.0.1).
 */
public final class RingRelay {

    /** Ring operations that failed where they should not: printed at exit, a relay that errs is no yardstick. */
    private static final AtomicLong FAULTS = new AtomicLong();

    private final long[] realServers; // native sockaddr_in, one per real server
    private int next;                 // round robin; each loop has its own RingRelay

    private RingRelay(long[] realServers) {
        this.realServers = realServers;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: RingRelay PORT REAL_PORT...");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        int loops = Runtime.getRuntime().availableProcessors();
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(loops, IoUringIoHandler.newFactory());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> System.err.println("ring relay faults: " + FAULTS.get())));
        for (int i = 0; i < loops; i++) {
            IoEventLoop loop = group.next();
            RingRelay relay = new RingRelay(Ring.realServers(args, 1));
            loop.submit(() -> {
                Socket listener = Socket.newSocketStream();
                listener.setReuseAddress(true);
                listener.setReusePort(true);
                listener.setTcpNoDelay(true); // accepted sockets inherit it
                listener.bind(new InetSocketAddress("127.0.0.1", port));
                listener.listen(4096);
                Acceptor acceptor = relay.new Acceptor(loop, listener.intValue());
                acceptor.registration = loop.register(acceptor).sync().getNow();
                acceptor.arm();
                return null;
            }).sync();
        }
        group.terminationFuture().sync();
    }

    /** The listener's handle: one accept in flight, with room for the client's address. */
    private final class Acceptor implements IoUringIoHandle {
        private final IoEventLoop loop;
        private final int fd;
        private final long address;
        private final long addressLength;
        IoRegistration registration;

        Acceptor(IoEventLoop loop, int fd) {
            this.loop = loop;
            this.fd = fd;
            address = Ring.address(Ring.memory(128 + 8));
            addressLength = address + 128;
        }

        void arm() {
            registration.submit(Ring.accept(fd, address, addressLength, (short) 0));
        }

        @Override
        public void handle(IoRegistration registration, IoEvent event) {
            int res = ((IoUringIoEvent) event).res();
            if (res >= 0) {
                // What a director reads of the client: its address and port, without making objects of them.
                int clientIp = PlatformDependent.getInt(address + 4);
                int clientPort = PlatformDependent.getShort(address + 2) & 0xffff;
                if ((clientIp | clientPort) == 0) FAULTS.incrementAndGet();
                Pair pair = new Pair(res, realServers[next++ % realServers.length]);
                pair.start(loop);
            } else {
                FAULTS.incrementAndGet();
            }
            arm();
        }

        @Override
        public void close() {
        }
    }

    /**
     * One proxied connection: the client's and the real server's descriptors, a buffer per direction and the
     * operations in flight, all on one loop. {@code data} of each operation says which one completed.
     */
    private final class Pair implements IoUringIoHandle {
        private static final short SOCKET = 1, NODELAY = 2, CONNECT = 3, RECV_C = 4, SEND_B = 5, RECV_B = 6,
                SEND_C = 7, CLOSE_C = 10, CLOSE_B = 11, CANCEL_C = 12, CANCEL_B = 13;

        private final int client;
        private final long realServer;
        private int backend = -1;
        private IoRegistration registration;
        private ByteBuf up;   // client to real server
        private ByteBuf down; // real server to client
        private int upLength, upSent, downLength, downSent;
        private boolean connected, clientEnded, backendEnded, closing;
        private int inFlight;

        Pair(int client, long realServer) {
            this.client = client;
            this.realServer = realServer;
        }

        void start(IoEventLoop loop) {
            registration = loop.register(this).getNow(); // on the loop itself: registered at once
            up = PooledByteBufAllocator.DEFAULT.directBuffer(Ring.BUFFER, Ring.BUFFER);
            down = PooledByteBufAllocator.DEFAULT.directBuffer(Ring.BUFFER, Ring.BUFFER);
            submit(Ring.socket(SOCKET));
            recv(client, up, RECV_C);
        }

        private void submit(IoUringIoOps ops) {
            registration.submit(ops);
            inFlight++;
        }

        private void recv(int fd, ByteBuf buf, short data) {
            submit(Ring.recv(fd, buf.memoryAddress(), Ring.BUFFER, data));
        }

        private void send(int fd, ByteBuf buf, int from, int to, short data) {
            submit(Ring.send(fd, buf.memoryAddress() + from, to - from, data));
        }

        @Override
        public void handle(IoRegistration registration, IoEvent event) {
            IoUringIoEvent e = (IoUringIoEvent) event;
            int res = e.res();
            inFlight--;
            switch ((short) e.userData()) {
                case SOCKET -> {
                    if (res < 0 || closing) {
                        if (res >= 0) submit(Ring.close(res, CLOSE_B));
                        fail();
                        break;
                    }
                    backend = res;
                    submit(Ring.setTcpNoDelay(backend, NODELAY));
                    submit(Ring.connect(backend, realServer, CONNECT));
                }
                case NODELAY -> {
                    if (res < 0) FAULTS.incrementAndGet();
                }
                case CONNECT -> {
                    if (res < 0 || closing) {
                        fail();
                        break;
                    }
                    connected = true;
                    if (upLength > 0) send(backend, up, upSent, upLength, SEND_B);
                    else if (clientEnded) endOutput(false);
                    recv(backend, down, RECV_B);
                }
                case RECV_C -> {
                    if (closing) break;
                    if (res > 0) {
                        upLength = res;
                        upSent = 0;
                        if (connected) send(backend, up, 0, upLength, SEND_B);
                    } else if (res == 0) {
                        clientEnded = true;
                        if (connected) endOutput(false);
                    } else {
                        fail();
                    }
                }
                case SEND_B -> {
                    if (closing) break;
                    if (res < 0) {
                        fail();
                        break;
                    }
                    upSent += res;
                    if (upSent < upLength) {
                        send(backend, up, upSent, upLength, SEND_B);
                    } else {
                        upLength = 0;
                        recv(client, up, RECV_C);
                    }
                }
                case RECV_B -> {
                    if (closing) break;
                    if (res > 0) {
                        downLength = res;
                        downSent = 0;
                        send(client, down, 0, downLength, SEND_C);
                    } else if (res == 0) {
                        backendEnded = true;
                        endOutput(true);
                    } else {
                        fail();
                    }
                }
                case SEND_C -> {
                    if (closing) break;
                    if (res < 0) {
                        fail();
                        break;
                    }
                    downSent += res;
                    if (downSent < downLength) {
                        send(client, down, downSent, downLength, SEND_C);
                    } else {
                        downLength = 0;
                        recv(backend, down, RECV_B);
                    }
                }
                case CANCEL_C, CANCEL_B -> { }
                case CLOSE_C, CLOSE_B -> {
                    if (res < 0) FAULTS.incrementAndGet();
                }
                default -> FAULTS.incrementAndGet();
            }
            if (closing && inFlight == 0) finish();
        }

        /**
         * One side's FIN came and all it sent before is passed on: pass the FIN to the other side, or, when that
         * side's FIN came already, close both.
         */
        private void endOutput(boolean toClient) {
            if (clientEnded && backendEnded) {
                closeBoth(false);
            } else if (Ring.shutdownOutput(toClient ? client : backend) != 0) {
                fail();
            }
        }

        private void fail() {
            closeBoth(true);
        }

        private void closeBoth(boolean cancelFirst) {
            if (closing) return;
            closing = true;
            if (cancelFirst) {
                // A reset or a failed connect: the other side may still have a recv in flight.
                submit(Ring.cancelAll(client, CANCEL_C));
            }
            submit(Ring.close(client, CLOSE_C));
            if (backend >= 0) {
                if (cancelFirst) {
                    submit(Ring.cancelAll(backend, CANCEL_B));
                }
                submit(Ring.close(backend, CLOSE_B));
            }
        }

        private void finish() {
            up.release();
            down.release();
            registration.cancel();
        }

        @Override
        public void close() {
        }
    }
}

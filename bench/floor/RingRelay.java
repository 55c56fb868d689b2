import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.unix.Buffer;
import io.netty.channel.unix.Socket;
import io.netty.channel.uring.IoUringIoEvent;
import io.netty.channel.uring.IoUringIoHandle;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringIoOps;
import io.netty.util.internal.PlatformDependent;

import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.IgnoreError;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
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

    // io_uring opcodes and flags (include/uapi/linux/io_uring.h)
    private static final byte OP_ACCEPT = 13;
    private static final byte OP_ASYNC_CANCEL = 14;
    private static final byte OP_CONNECT = 16;
    private static final byte OP_CLOSE = 19;
    private static final byte OP_SEND = 26;
    private static final byte OP_RECV = 27;
    private static final byte OP_SOCKET = 45;
    private static final byte OP_URING_CMD = 46;
    private static final int SOCKET_URING_OP_SETSOCKOPT = 3;
    private static final byte IOSQE_IO_HARDLINK = 8;
    private static final int ASYNC_CANCEL_ALL_ON_FD = 1 | 2; // IORING_ASYNC_CANCEL_ALL | IORING_ASYNC_CANCEL_FD

    private static final int AF_INET = 2;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int IPPROTO_TCP = 6;
    private static final int TCP_NODELAY = 1;
    private static final int SHUT_WR = 1;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int BUFFER = 16 * 1024;

    /**
     * The FIN is passed on by a shutdown(2) call, not a ring operation: io_uring runs IORING_OP_SHUTDOWN on a worker
     * thread, which delays the FIN and, once the descriptor is closed and reused by the next accept, can shut the
     * next connection's socket instead.
     */
    public interface Calls {
        @IgnoreError
        int shutdown(int fd, int how);
    }

    private static final Calls LIBC = LibraryLoader.create(Calls.class).load("c");

    /** Direct buffers whose addresses the ring is given: kept reachable for the life of the process. */
    private static final List<ByteBuffer> KEEP = Collections.synchronizedList(new ArrayList<>());

    /** Ring operations that failed where they should not: printed at exit, a relay that errs is no yardstick. */
    private static final AtomicLong FAULTS = new AtomicLong();

    private final long[] realServers; // addresses of native sockaddr_in, read-only once made
    private final long one;           // an int 1 for setsockopt
    private int next;                 // round robin; each loop has its own RingRelay

    private RingRelay(int[] ports) {
        realServers = new long[ports.length];
        for (int i = 0; i < ports.length; i++) {
            ByteBuffer sa = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder());
            sa.putShort(0, (short) AF_INET);
            sa.order(ByteOrder.BIG_ENDIAN).putShort(2, (short) ports[i]).putInt(4, 0x7f000001);
            KEEP.add(sa);
            realServers[i] = Buffer.memoryAddress(sa);
        }
        ByteBuffer v = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder()).putInt(0, 1);
        KEEP.add(v);
        one = Buffer.memoryAddress(v);
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: RingRelay PORT REAL_PORT...");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        int[] real = new int[args.length - 1];
        for (int i = 1; i < args.length; i++) real[i - 1] = Integer.parseInt(args[i]);
        int loops = Runtime.getRuntime().availableProcessors();
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(loops, IoUringIoHandler.newFactory());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> System.err.println("ring relay faults: " + FAULTS.get())));
        for (int i = 0; i < loops; i++) {
            IoEventLoop loop = group.next();
            RingRelay relay = new RingRelay(real);
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
            ByteBuffer mem = ByteBuffer.allocateDirect(128 + 8).order(ByteOrder.nativeOrder());
            KEEP.add(mem);
            address = Buffer.memoryAddress(mem);
            addressLength = address + 128;
        }

        void arm() {
            PlatformDependent.putLong(addressLength, 128);
            registration.submit(new IoUringIoOps(OP_ACCEPT, (byte) 0, (short) 0, fd, addressLength, address, 0,
                    SOCK_CLOEXEC, 0L, (short) 0, (short) 0, 0, 0));
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
            up = PooledByteBufAllocator.DEFAULT.directBuffer(BUFFER, BUFFER);
            down = PooledByteBufAllocator.DEFAULT.directBuffer(BUFFER, BUFFER);
            submit(OP_SOCKET, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0, 0, 0, SOCKET, 0, 0);
            recv(client, up, RECV_C);
        }

        private void submit(byte op, int fd, long union1, long union2, int len, int union3, short data, int union5,
                            long union6) {
            submit((byte) 0, op, fd, union1, union2, len, union3, data, union5, union6);
        }

        private void submit(byte flags, byte op, int fd, long union1, long union2, int len, int union3, short data,
                            int union5, long union6) {
            registration.submit(new IoUringIoOps(op, flags, (short) 0, fd, union1, union2, len, union3, (long) data,
                    (short) 0, (short) 0, union5, union6));
            inFlight++;
        }

        private void recv(int fd, ByteBuf buf, short data) {
            submit(OP_RECV, fd, 0, buf.memoryAddress(), BUFFER, 0, data, 0, 0);
        }

        private void send(int fd, ByteBuf buf, int from, int to, short data) {
            submit(OP_SEND, fd, 0, buf.memoryAddress() + from, to - from, MSG_NOSIGNAL, data, 0, 0);
        }

        @Override
        public void handle(IoRegistration registration, IoEvent event) {
            IoUringIoEvent e = (IoUringIoEvent) event;
            int res = e.res();
            inFlight--;
            switch ((short) e.userData()) {
                case SOCKET -> {
                    if (res < 0 || closing) {
                        if (res >= 0) submit(OP_CLOSE, res, 0, 0, 0, 0, CLOSE_B, 0, 0);
                        fail();
                        break;
                    }
                    backend = res;
                    submit(OP_URING_CMD, backend, SOCKET_URING_OP_SETSOCKOPT, IPPROTO_TCP | ((long) TCP_NODELAY << 32),
                            0, 0, NODELAY, 4, one);
                    submit(OP_CONNECT, backend, 16, realServer, 0, 0, CONNECT, 0, 0);
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
            } else if (LIBC.shutdown(toClient ? client : backend, SHUT_WR) != 0) {
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
                // A reset or a failed connect: the other side may still have a recv in flight. Each close is
                // hard-linked behind its cancel, so that it runs after it even when there was nothing to cancel.
                submit(IOSQE_IO_HARDLINK, OP_ASYNC_CANCEL, client, 0, 0, 0, ASYNC_CANCEL_ALL_ON_FD, CANCEL_C, 0, 0);
            }
            submit(OP_CLOSE, client, 0, 0, 0, 0, CLOSE_C, 0, 0);
            if (backend >= 0) {
                if (cancelFirst) {
                    submit(IOSQE_IO_HARDLINK, OP_ASYNC_CANCEL, backend, 0, 0, 0, ASYNC_CANCEL_ALL_ON_FD, CANCEL_B, 0, 0);
                }
                submit(OP_CLOSE, backend, 0, 0, 0, 0, CLOSE_B, 0, 0);
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

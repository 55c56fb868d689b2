import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.unix.Buffer;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringIoOps;
import io.netty.util.internal.PlatformDependent;

import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.IgnoreError;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The io_uring operations RingRelay and HybridProxy submit on Netty's rings through their own handles, and the
 * one call they make outside the ring. Numbers from include/uapi/linux/io_uring.h and the socket headers.
 */
final class Ring {

    static final int BUFFER = 16 * 1024;
    static final byte IOSQE_IO_HARDLINK = 8;
    private static final byte IOSQE_BUFFER_SELECT = 32;
    private static final int IORING_CQE_F_BUFFER = 1;
    private static final int ENOBUFS = 105;

    private static final byte OP_ACCEPT = 13;
    private static final byte OP_ASYNC_CANCEL = 14;
    private static final byte OP_CONNECT = 16;
    private static final byte OP_CLOSE = 19;
    private static final byte OP_SEND = 26;
    private static final byte OP_RECV = 27;
    private static final byte OP_PROVIDE_BUFFERS = 31;
    private static final byte OP_SOCKET = 45;
    private static final byte OP_URING_CMD = 46;
    private static final int SOCKET_URING_OP_SETSOCKOPT = 3;
    private static final int ASYNC_CANCEL_ALL_ON_FD = 1 | 2; // IORING_ASYNC_CANCEL_ALL | IORING_ASYNC_CANCEL_FD

    private static final int AF_INET = 2;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int IPPROTO_TCP = 6;
    private static final int TCP_NODELAY = 1;
    private static final int SHUT_WR = 1;
    private static final int MSG_NOSIGNAL = 0x4000;

    /** Direct buffers whose addresses the ring is given: kept reachable for the life of the process. */
    private static final List<ByteBuffer> KEEP = Collections.synchronizedList(new ArrayList<>());
    /** An int 1, for setsockopt. */
    private static final long ONE = intOne();

    /**
     * A FIN is sent by shutdown(2), not by a ring operation: io_uring runs IORING_OP_SHUTDOWN on a worker thread,
     * which delays the FIN and, once the descriptor is closed and reused by the next accept, can shut the next
     * connection's socket instead.
     */
    public interface Calls {
        @IgnoreError
        int shutdown(int fd, int how);
    }

    private static final Calls LIBC = LibraryLoader.create(Calls.class).load("c");

    private Ring() {
    }

    static int shutdownOutput(int fd) {
        return LIBC.shutdown(fd, SHUT_WR);
    }

    /** Native memory of {@code size} bytes, kept for the life of the process. */
    static ByteBuffer memory(int size) {
        ByteBuffer b = ByteBuffer.allocateDirect(size).order(ByteOrder.nativeOrder());
        KEEP.add(b);
        return b;
    }

    private static long intOne() {
        ByteBuffer one = memory(4);
        one.putInt(0, 1);
        return address(one);
    }

    static long address(ByteBuffer direct) {
        return Buffer.memoryAddress(direct);
    }

    /**
     * The event loops of a relay started as {@code NAME PORT REAL_PORT...}, one per core, after checking its
     * arguments; {@code faults} is printed when the process ends.
     */
    static MultiThreadIoEventLoopGroup loops(String name, String[] args, AtomicLong faults) {
        if (args.length < 2) {
            System.err.println("usage: " + name + " PORT REAL_PORT...");
            System.exit(2);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> System.err.println(name + " faults: " + faults.get())));
        return new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(),
                IoUringIoHandler.newFactory());
    }

    /** The sockaddr_in of each 127.0.0.1 port given in {@code args} from index {@code from} on. */
    static long[] realServers(String[] args, int from) {
        long[] addresses = new long[args.length - from];
        for (int i = from; i < args.length; i++) addresses[i - from] = sockaddrLoopback(Integer.parseInt(args[i]));
        return addresses;
    }

    /** A sockaddr_in for 127.0.0.1:{@code port}. */
    static long sockaddrLoopback(int port) {
        ByteBuffer sa = memory(16);
        sa.putShort(0, (short) AF_INET);
        sa.order(ByteOrder.BIG_ENDIAN).putShort(2, (short) port).putInt(4, 0x7f000001);
        return address(sa);
    }

    private static IoUringIoOps op(byte flags, byte op, int fd, long union1, long union2, int len, int union3,
                                   short data, int union5, long union6) {
        return op(flags, op, fd, union1, union2, len, union3, data, (short) 0, union5, union6);
    }

    private static IoUringIoOps op(byte flags, byte op, int fd, long union1, long union2, int len, int union3,
                                   short data, short union4, int union5, long union6) {
        return new IoUringIoOps(op, flags, (short) 0, fd, union1, union2, len, union3, (long) data, union4,
                (short) 0, union5, union6);
    }

    /** One connection, with its peer's address written to {@code address} (room at {@code length}, reset here). */
    static IoUringIoOps accept(int fd, long address, long length, short data) {
        PlatformDependent.putLong(length, 128);
        return op((byte) 0, OP_ACCEPT, fd, length, address, 0, SOCK_CLOEXEC, data, 0, 0);
    }

    static IoUringIoOps socket(short data) {
        return op((byte) 0, OP_SOCKET, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0, 0, 0, data, 0, 0);
    }

    static IoUringIoOps setTcpNoDelay(int fd, short data) {
        return op((byte) 0, OP_URING_CMD, fd, SOCKET_URING_OP_SETSOCKOPT, IPPROTO_TCP | ((long) TCP_NODELAY << 32),
                0, 0, data, 4, ONE);
    }

    static IoUringIoOps connect(int fd, long sockaddrIn, short data) {
        return op((byte) 0, OP_CONNECT, fd, 16, sockaddrIn, 0, 0, data, 0, 0);
    }

    static IoUringIoOps recv(int fd, long address, int length, short data) {
        return op((byte) 0, OP_RECV, fd, 0, address, length, 0, data, 0, 0);
    }

    /**
     * Hands {@code count} buffers of {@code BUFFER} bytes from {@code address} on to the kernel's buffer group
     * {@code group}, numbered from {@code firstId}: a recv that selects from the group takes one when data comes.
     */
    static IoUringIoOps provideBuffers(long address, int count, short group, int firstId, short data) {
        return op((byte) 0, OP_PROVIDE_BUFFERS, count, firstId, address, BUFFER, 0, data, group, 0, 0);
    }

    /** A recv into whichever buffer of {@code group} the kernel picks once data is there. */
    static IoUringIoOps recvSelecting(int fd, short group, short data) {
        return op(IOSQE_BUFFER_SELECT, OP_RECV, fd, 0, 0, BUFFER, 0, data, group, 0, 0);
    }

    /** The buffer a recv completion took from its group, or -1. */
    static int selectedBuffer(int cqeFlags) {
        return (cqeFlags & IORING_CQE_F_BUFFER) != 0 ? cqeFlags >>> 16 : -1;
    }

    /** Whether a recv failed because its group had no buffer left. */
    static boolean outOfBuffers(int res) {
        return res == -ENOBUFS;
    }

    static IoUringIoOps send(int fd, long address, int length, short data) {
        return op((byte) 0, OP_SEND, fd, 0, address, length, MSG_NOSIGNAL, data, 0, 0);
    }

    static IoUringIoOps close(int fd, short data) {
        return op((byte) 0, OP_CLOSE, fd, 0, 0, 0, 0, data, 0, 0);
    }

    /**
     * Cancels whatever is in flight on {@code fd}; hard-linked, so that the next operation (its close) runs after
     * it even when there was nothing to cancel.
     */
    static IoUringIoOps cancelAll(int fd, short data) {
        return op(IOSQE_IO_HARDLINK, OP_ASYNC_CANCEL, fd, 0, 0, 0, ASYNC_CANCEL_ALL_ON_FD, data, 0, 0);
    }
}

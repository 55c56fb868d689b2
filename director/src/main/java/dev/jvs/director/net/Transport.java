package dev.jvs.director.net;

import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringBufferRingConfig;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringDatagramChannel;
import io.netty.channel.uring.IoUringFixedBufferRingAllocator;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringIoHandlerConfig;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;

import java.util.Locale;

/**
 * The Netty transport the data paths run on: io_uring where the kernel allows it, else epoll, else NIO.
 * Only the native transports can bind a listener or a datagram socket with IP_FREEBIND (a VIP that is not local
 * yet) or connect from a foreign address with IP_TRANSPARENT.
 */
public enum Transport {
    IO_URING("io_uring") {
        @Override public boolean available() { return IoUring.isAvailable(); }
        @Override public IoHandlerFactory ioHandlerFactory() {
            if (!readBufferRing()) return IoUringIoHandler.newFactory();
            return IoUringIoHandler.newFactory(new IoUringIoHandlerConfig().setBufferRingConfig(
                    IoUringBufferRingConfig.builder()
                            .bufferGroupId(READ_BUFFER_GROUP)
                            .bufferRingSize(READ_BUFFER_RING_SIZE)
                            .batchSize(READ_BUFFER_BATCH)
                            .allocator(new IoUringFixedBufferRingAllocator(READ_BUFFER_BYTES))
                            .build()));
        }
        @Override public ChannelOption<Short> readBufferRingOption() {
            return readBufferRing() ? IoUringChannelOption.IO_URING_BUFFER_GROUP_ID : null;
        }
        @Override public Class<? extends ServerChannel> serverChannel() { return IoUringServerSocketChannel.class; }
        @Override public Class<? extends SocketChannel> socketChannel() { return IoUringSocketChannel.class; }
        @Override public SocketChannel newSocketChannel() { return new IoUringSocketChannel(); }
        @Override public Class<? extends DatagramChannel> datagramChannel() { return IoUringDatagramChannel.class; }
        @Override public ChannelOption<Boolean> freebindOption() { return IoUringChannelOption.IP_FREEBIND; }
        @Override public ChannelOption<Boolean> transparentOption() { return IoUringChannelOption.IP_TRANSPARENT; }
        @Override Throwable unavailabilityCause() { return IoUring.unavailabilityCause(); }
    },
    EPOLL("epoll") {
        @Override public boolean available() { return Epoll.isAvailable(); }
        @Override public IoHandlerFactory ioHandlerFactory() { return EpollIoHandler.newFactory(); }
        @Override public Class<? extends ServerChannel> serverChannel() { return EpollServerSocketChannel.class; }
        @Override public Class<? extends SocketChannel> socketChannel() { return EpollSocketChannel.class; }
        @Override public SocketChannel newSocketChannel() { return new EpollSocketChannel(); }
        @Override public Class<? extends DatagramChannel> datagramChannel() { return EpollDatagramChannel.class; }
        @Override public ChannelOption<Boolean> freebindOption() { return EpollChannelOption.IP_FREEBIND; }
        @Override public ChannelOption<Boolean> transparentOption() { return EpollChannelOption.IP_TRANSPARENT; }
        @Override Throwable unavailabilityCause() { return Epoll.unavailabilityCause(); }
    },
    NIO("nio") {
        @Override public boolean available() { return true; }
        @Override public IoHandlerFactory ioHandlerFactory() { return NioIoHandler.newFactory(); }
        @Override public Class<? extends ServerChannel> serverChannel() { return NioServerSocketChannel.class; }
        @Override public Class<? extends SocketChannel> socketChannel() { return NioSocketChannel.class; }
        @Override public SocketChannel newSocketChannel() { return new NioSocketChannel(); }
        @Override public Class<? extends DatagramChannel> datagramChannel() { return NioDatagramChannel.class; }
        @Override public ChannelOption<Boolean> freebindOption() { return null; }
        @Override public ChannelOption<Boolean> transparentOption() { return null; }
        @Override Throwable unavailabilityCause() { return null; }
    };

    /**
     * io_uring: each event loop gives the kernel a ring of read buffers, and a socket set to read from it
     * ({@link #readBufferRingOption()}) has its data received into one as it arrives: no POLLIN armed before each
     * first read, and a read asked for before the data came completes with it. The kernel fills a buffer
     * incrementally, read after read, so small reads share one; 64 KiB, the most one read takes without the ring,
     * keeps bulk transfers at one read per 64 KiB (16 KiB buffers cost a third of one stream's throughput). The
     * ring starts with {@value #READ_BUFFER_BATCH} buffers (1 MiB) and grows to {@value #READ_BUFFER_RING_SIZE}
     * (8 MiB) only when the kernel runs out; a buffer taken is replaced at once from the pool, and returns to the
     * pool when its last read is released.
     */
    static final short READ_BUFFER_GROUP = 1;
    static final short READ_BUFFER_RING_SIZE = 128;
    static final int READ_BUFFER_BATCH = 16;
    static final int READ_BUFFER_BYTES = 64 * 1024;
    /**
     * Netty 4.2.18 reads from the ring with one multishot RECV per socket by default; paused and resumed under
     * backpressure, such a read can stop for good (a bulk transfer through a half-close stalls: TcpNatTest). One
     * RECV per read instead, unless the property is given; given as {@code true}, the ring is not used.
     */
    static final String RECV_MULTISHOT = "io.netty.iouring.recvMultiShotEnabled";

    static {
        if (System.getProperty(RECV_MULTISHOT) == null) System.setProperty(RECV_MULTISHOT, "false");
    }

    private static boolean readBufferRing() {
        return IoUring.isRegisterBufferRingSupported() && !IoUring.isRecvMultishotEnabled();
    }

    private final String optionName;

    Transport(String optionName) { this.optionName = optionName; }

    public abstract boolean available();

    public abstract IoHandlerFactory ioHandlerFactory();

    public abstract Class<? extends ServerChannel> serverChannel();

    public abstract Class<? extends SocketChannel> socketChannel();

    /** A new, unregistered socket channel: a constructor call, not reflection, once per proxied connection. */
    public abstract SocketChannel newSocketChannel();

    public abstract Class<? extends DatagramChannel> datagramChannel();

    /** The option that sets IP_FREEBIND on listeners and datagram sockets, or null when this transport cannot. */
    public abstract ChannelOption<Boolean> freebindOption();

    /** The channel option that sets IP_TRANSPARENT (connect from the client's address), or null when this transport cannot. */
    public abstract ChannelOption<Boolean> transparentOption();

    /**
     * The option that makes a socket channel read into its event loop's ring of buffers, set to
     * {@link #readBufferGroup()} before the channel is registered on a loop of {@link #newGroup}; null when this
     * transport (or this kernel) has no such ring, and the channel reads into buffers of its own.
     */
    public ChannelOption<Short> readBufferRingOption() { return null; }

    /** The value for {@link #readBufferRingOption()}. */
    public short readBufferGroup() { return READ_BUFFER_GROUP; }

    abstract Throwable unavailabilityCause();

    /** Name as given to {@code --transport}. */
    public String optionName() { return optionName; }

    public EventLoopGroup newGroup(int threads) {
        return new MultiThreadIoEventLoopGroup(threads, ioHandlerFactory());
    }

    /** The best transport this host supports. */
    public static Transport best() {
        for (Transport t : values()) {
            if (t.available()) return t;
        }
        return NIO;
    }

    /** The transport named by {@code --transport}; fails with the reason when the host lacks it. */
    public static Transport named(String name) {
        for (Transport t : values()) {
            if (t.optionName.equals(name.toLowerCase(Locale.ROOT))) {
                if (!t.available()) {
                    Throwable cause = t.unavailabilityCause();
                    throw new IllegalArgumentException("transport " + name + " is not available on this host"
                            + (cause == null ? "" : ": " + cause.getMessage()));
                }
                return t;
            }
        }
        throw new IllegalArgumentException("unknown transport '" + name + "' (use io_uring, epoll or nio)");
    }
}

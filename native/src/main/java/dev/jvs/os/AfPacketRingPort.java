package dev.jvs.os;

import com.kenai.jffi.MemoryIO;
import jnr.ffi.Pointer;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * An AF_PACKET socket bound to one interface with TPACKET_V2 RX and TX rings mapped into this process: frames
 * are read and written in the kernel's own memory, and one {@code poll}/{@code sendto} covers a whole batch.
 */
final class AfPacketRingPort implements PacketPort {

    static final int DEFAULT_FRAME_SIZE = 4096;  // a 1500-byte MTU frame plus ring headers, with room to spare
    static final int DEFAULT_FRAME_COUNT = 1024; // per ring

    // linux/socket.h, linux/if_ether.h, linux/if_packet.h, sys/mman.h, poll.h
    private static final int AF_PACKET = 17;
    private static final int SOCK_RAW = 3;
    private static final int ETH_P_ALL = 0x0003;
    private static final int SOL_PACKET = 263;
    private static final int PACKET_RX_RING = 5;
    private static final int PACKET_VERSION = 10;
    private static final int PACKET_TX_RING = 13;
    private static final int PACKET_QDISC_BYPASS = 20;
    private static final int PACKET_IGNORE_OUTGOING = 23;
    private static final int TPACKET_V2 = 1;
    private static final int PROT_READ = 1;
    private static final int PROT_WRITE = 2;
    private static final int MAP_SHARED = 1;
    private static final int POLLIN = 1;
    private static final int MSG_DONTWAIT = 0x40;

    // struct tpacket2_hdr: status, len, snaplen, mac, net, ... then struct sockaddr_ll at TPACKET_ALIGN(32)
    private static final int STATUS = 0;
    private static final int LEN = 4;
    private static final int SNAPLEN = 8;
    private static final int MAC = 12;
    private static final int SLL_PKTTYPE = 32 + 10;
    private static final int TX_DATA = 32; // TPACKET2_HDRLEN - sizeof(struct sockaddr_ll)
    private static final int TP_STATUS_KERNEL = 0;
    private static final int TP_STATUS_USER = 1;
    private static final int TP_STATUS_AVAILABLE = 0;
    private static final int TP_STATUS_SEND_REQUEST = 1;
    private static final int TP_STATUS_WRONG_FORMAT = 4;
    private static final int PACKET_OUTGOING = 4;

    private static final VarHandle STATUS_WORD =
            MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private final String interfaceName;
    private final int interfaceIndex;
    private final byte[] mac;
    private final int fd;
    private final long mapping;
    private final long mappingLength;
    private final ByteBuffer headers; // little-endian view for the ring headers
    private final ByteBuffer frames;  // big-endian view for frame contents, same memory
    private final ByteBuffer framesSource; // another view of the same memory, as a bulk-copy source
    private final int frameSize;
    private final int frameCount;
    private final int txBase;
    private final int[] pollFd;
    private int rxIndex;
    private int txIndex;
    private int txPending;
    private boolean closed;

    private AfPacketRingPort(String interfaceName, int interfaceIndex, byte[] mac, int fd, long mapping,
                             long mappingLength, int frameSize, int frameCount) {
        this.interfaceName = interfaceName;
        this.interfaceIndex = interfaceIndex;
        this.mac = mac;
        this.fd = fd;
        this.mapping = mapping;
        this.mappingLength = mappingLength;
        this.frameSize = frameSize;
        this.frameCount = frameCount;
        this.txBase = frameSize * frameCount;
        ByteBuffer all = MemoryIO.getInstance().newDirectByteBuffer(mapping, (int) mappingLength);
        this.headers = all.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        this.frames = all.duplicate().order(ByteOrder.BIG_ENDIAN);
        this.framesSource = all.duplicate().order(ByteOrder.BIG_ENDIAN);
        this.pollFd = new int[] {fd, POLLIN};
    }

    static AfPacketRingPort open(String interfaceName, int frameSize, int frameCount) throws IOException {
        if (Integer.bitCount(frameSize) != 1 || frameSize < 2048 || frameCount < 8) {
            throw new IllegalArgumentException("frame size must be a power of two >= 2048 and count >= 8");
        }
        int index = Interfaces.index(interfaceName);
        byte[] mac = Interfaces.macAddress(interfaceName);
        Libc.Functions c = Libc.functions();
        int fd = c.socket(AF_PACKET, SOCK_RAW, Short.toUnsignedInt(Short.reverseBytes((short) ETH_P_ALL)));
        if (fd < 0) throw failure("socket(AF_PACKET, SOCK_RAW) on " + interfaceName);
        try {
            setInt(fd, PACKET_VERSION, TPACKET_V2, "PACKET_VERSION");
            // Best effort: older kernels lack these, and they only save work.
            c.setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, new int[] {1}, Integer.BYTES);
            c.setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, new int[] {1}, Integer.BYTES);
            // One frame per block keeps the arithmetic trivial; blocks must be page multiples.
            int blockSize = Math.max(frameSize, 4096);
            int framesPerBlock = blockSize / frameSize;
            int blocks = frameCount / framesPerBlock;
            byte[] request = ringRequest(blockSize, blocks, frameSize, blocks * framesPerBlock);
            if (c.setsockopt(fd, SOL_PACKET, PACKET_RX_RING, request, request.length) != 0) {
                throw failure("setsockopt(PACKET_RX_RING) on " + interfaceName);
            }
            if (c.setsockopt(fd, SOL_PACKET, PACKET_TX_RING, request, request.length) != 0) {
                throw failure("setsockopt(PACKET_TX_RING) on " + interfaceName);
            }
            long length = 2L * blockSize * blocks;
            Pointer mapped = c.mmap(null, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
            if (mapped == null || mapped.address() == -1L) throw failure("mmap of the packet rings on " + interfaceName);
            long mapping = mapped.address();
            byte[] sockaddr = linkLayerAddress(index);
            if (c.bind(fd, sockaddr, sockaddr.length) != 0) {
                c.munmap(mapped, length);
                throw failure("bind(AF_PACKET) to " + interfaceName);
            }
            return new AfPacketRingPort(interfaceName, index, mac, fd, mapping, length, frameSize,
                    blocks * framesPerBlock);
        } catch (IOException | RuntimeException e) {
            c.close(fd);
            throw e;
        }
    }

    @Override
    public String interfaceName() {
        return interfaceName;
    }

    @Override
    public int interfaceIndex() {
        return interfaceIndex;
    }

    @Override
    public byte[] macAddress() {
        return mac.clone();
    }

    @Override
    public String backendName() {
        return "af_packet-ring";
    }

    @Override
    public int receive(FrameHandler handler, int maxFrames, int timeoutMillis) {
        int handled = 0;
        while (handled < maxFrames) {
            int base = rxIndex * frameSize;
            int status = (int) STATUS_WORD.getAcquire(headers, base + STATUS);
            if ((status & TP_STATUS_USER) == 0) {
                if (handled > 0 || timeoutMillis <= 0 || !awaitReadable(timeoutMillis)) break;
                timeoutMillis = 0; // one wait per call
                continue;
            }
            int snapLength = headers.getInt(base + SNAPLEN);
            int wireLength = headers.getInt(base + LEN);
            int macOffset = Short.toUnsignedInt(headers.getShort(base + MAC));
            // Outgoing frames of other sockets show up too on kernels without PACKET_IGNORE_OUTGOING.
            if (headers.get(base + SLL_PKTTYPE) != PACKET_OUTGOING) {
                handler.onFrame(frames, base + macOffset, snapLength, wireLength);
            }
            STATUS_WORD.setRelease(headers, base + STATUS, TP_STATUS_KERNEL);
            rxIndex = rxIndex + 1 == frameCount ? 0 : rxIndex + 1;
            handled++;
        }
        return handled;
    }

    private boolean awaitReadable(int timeoutMillis) {
        pollFd[1] = POLLIN;
        return Libc.functions().poll(pollFd, 1, timeoutMillis) > 0;
    }

    @Override
    public boolean send(ByteBuffer frame, int offset, int length) {
        if (length > frameSize - TX_DATA || length < 14) return false;
        int base = txBase + txIndex * frameSize;
        int status = (int) STATUS_WORD.getAcquire(headers, base + STATUS);
        if (status != TP_STATUS_AVAILABLE && status != TP_STATUS_WRONG_FORMAT) {
            flush();
            return false; // the kernel still owns the slot: the ring is full
        }
        int target = base + TX_DATA;
        // A frame received on this port and rewritten in place is copied within the mapping, through a second view.
        frames.put(target, frame == frames ? framesSource : frame, offset, length);
        headers.putInt(base + LEN, length);
        STATUS_WORD.setRelease(headers, base + STATUS, TP_STATUS_SEND_REQUEST);
        txIndex = txIndex + 1 == frameCount ? 0 : txIndex + 1;
        if (++txPending >= frameCount / 2) flush();
        return true;
    }

    @Override
    public void flush() {
        if (txPending == 0) return;
        txPending = 0;
        // EAGAIN/ENOBUFS only mean the kernel is busy; the frames stay queued in the ring for the next kick.
        Libc.functions().sendto(fd, null, 0, MSG_DONTWAIT, null, 0);
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        Libc.functions().munmap(Pointer.wrap(Libc.runtime(), mapping), mappingLength);
        Libc.functions().close(fd);
    }

    private static void setInt(int fd, int option, int value, String name) throws IOException {
        if (Libc.functions().setsockopt(fd, SOL_PACKET, option, new int[] {value}, Integer.BYTES) != 0) {
            throw failure("setsockopt(" + name + ")");
        }
    }

    /** struct tpacket_req: four unsigned ints in host (little-endian) order. */
    private static byte[] ringRequest(int blockSize, int blockCount, int frameSize, int frameCount) {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(blockSize).putInt(blockCount).putInt(frameSize).putInt(frameCount);
        return b.array();
    }

    /** struct sockaddr_ll for bind: family, protocol (network order), ifindex; the rest zero. */
    private static byte[] linkLayerAddress(int ifIndex) {
        ByteBuffer b = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) AF_PACKET);
        b.order(ByteOrder.BIG_ENDIAN).putShort((short) ETH_P_ALL);
        b.order(ByteOrder.LITTLE_ENDIAN).putInt(ifIndex);
        return b.array();
    }

    private static IOException failure(String what) {
        return new IOException(what + " failed: " + Libc.describe(Libc.lastErrno()));
    }
}

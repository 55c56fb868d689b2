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
 *
 * <p>With {@code PACKET_VNET_HDR} every received frame comes with its virtio-net header ({@link Offload}), and
 * every sent one goes with it: offloaded frames (unfinished checksums, GRO/TSO aggregates of up to 64 KiB) are
 * forwarded as they are and the kernel (or the NIC) finishes them on the way out. So a slot holds the largest
 * aggregate: V2 frames of {@link #AGGREGATE_FRAME_SIZE} bytes, fifteen to a 1 MiB block. (TPACKET_V3's
 * variable-size frames would pack small frames tighter, but hand a block over only when it is full or its timer
 * runs out, which adds up to a millisecond to every request of a quiet connection.)
 */
final class AfPacketRingPort implements PacketPort {

    /** Holds a 65535-byte IP packet plus Ethernet, ring and virtio-net headers (76 bytes), rounded to 16. */
    static final int AGGREGATE_FRAME_SIZE = 69_904;
    /** 1 MiB blocks: 15 aggregate frames each, one order-8 allocation for the kernel. */
    static final int BLOCK_SIZE = 1 << 20;
    static final int DEFAULT_RX_FRAMES = 480; // 32 MiB
    static final int DEFAULT_TX_FRAMES = 240; // 16 MiB

    // linux/socket.h, linux/if_ether.h, linux/if_packet.h, sys/mman.h, poll.h
    private static final int AF_PACKET = 17;
    private static final int SOCK_RAW = 3;
    private static final int ETH_P_ALL = 0x0003;
    private static final int SOL_PACKET = 263;
    private static final int SOL_SOCKET = 1;
    private static final int SO_ATTACH_FILTER = 26;
    private static final int SO_DETACH_FILTER = 27;
    private static final int PACKET_RX_RING = 5;
    private static final int PACKET_VERSION = 10;
    private static final int PACKET_TX_RING = 13;
    private static final int PACKET_VNET_HDR = 15;
    private static final int PACKET_FANOUT = 18;
    private static final int PACKET_FANOUT_HASH = 0;
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
    private final int rxFrames;
    private final int txFrames;
    private final int txBase;
    private final boolean vnet;
    private final int[] pollFd;
    private int rxIndex;
    private int txIndex;
    private int txPending;
    private boolean closed;

    private AfPacketRingPort(String interfaceName, int interfaceIndex, byte[] mac, int fd, long mapping,
                             long mappingLength, int frameSize, int rxFrames, int txFrames, int txBase,
                             boolean vnet) {
        this.interfaceName = interfaceName;
        this.interfaceIndex = interfaceIndex;
        this.mac = mac;
        this.fd = fd;
        this.mapping = mapping;
        this.mappingLength = mappingLength;
        this.frameSize = frameSize;
        this.rxFrames = rxFrames;
        this.txFrames = txFrames;
        this.txBase = txBase;
        this.vnet = vnet;
        ByteBuffer all = MemoryIO.getInstance().newDirectByteBuffer(mapping, (int) mappingLength);
        this.headers = all.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        this.frames = all.duplicate().order(ByteOrder.BIG_ENDIAN);
        this.framesSource = all.duplicate().order(ByteOrder.BIG_ENDIAN);
        this.pollFd = new int[] {fd, POLLIN};
    }

    /** Opens a port with aggregate-sized slots and the virtio-net header (the director's forwarding port). */
    static AfPacketRingPort open(String interfaceName) throws IOException {
        return open(interfaceName, AGGREGATE_FRAME_SIZE, DEFAULT_RX_FRAMES, DEFAULT_TX_FRAMES, true);
    }

    /**
     * The same, as one of {@code members} ports of fan-out group {@code group} (PACKET_FANOUT_HASH: a flow stays
     * on one port); each gets its share of the rings, at least four blocks in and two out.
     */
    static AfPacketRingPort open(String interfaceName, int group, int members) throws IOException {
        int perBlock = BLOCK_SIZE / AGGREGATE_FRAME_SIZE;
        AfPacketRingPort port = open(interfaceName, AGGREGATE_FRAME_SIZE,
                Math.max(4 * perBlock, DEFAULT_RX_FRAMES / members), Math.max(2 * perBlock, DEFAULT_TX_FRAMES / members),
                true);
        int value = (group & 0xffff) | PACKET_FANOUT_HASH << 16;
        if (Libc.functions().setsockopt(port.fd, SOL_PACKET, PACKET_FANOUT, new int[] {value}, Integer.BYTES) != 0) {
            IOException e = failure("setsockopt(PACKET_FANOUT) on " + interfaceName);
            port.close();
            throw e;
        }
        return port;
    }

    /**
     * @param frameSize a multiple of 16 from 2048 to {@link #BLOCK_SIZE}; frame counts are rounded down to whole
     *                  blocks (at least one)
     * @param offload   ask for the virtio-net header; without it offloaded frames arrive unfinished and unmarked
     */
    static AfPacketRingPort open(String interfaceName, int frameSize, int rxFrames, int txFrames, boolean offload)
            throws IOException {
        if (frameSize % 16 != 0 || frameSize < 2048 || frameSize > BLOCK_SIZE || rxFrames < 1 || txFrames < 1) {
            throw new IllegalArgumentException("frame size must be a multiple of 16 in [2048, 1 MiB]");
        }
        int index = Interfaces.index(interfaceName);
        byte[] mac = Interfaces.macAddress(interfaceName);
        Libc.Functions c = Libc.functions();
        int fd = c.socket(AF_PACKET, SOCK_RAW, Short.toUnsignedInt(Short.reverseBytes((short) ETH_P_ALL)));
        if (fd < 0) throw failure("socket(AF_PACKET, SOCK_RAW) on " + interfaceName);
        try {
            setInt(fd, PACKET_VERSION, TPACKET_V2, "PACKET_VERSION");
            // Before the rings: the kernel refuses the option once they exist.
            if (offload) setInt(fd, PACKET_VNET_HDR, 1, "PACKET_VNET_HDR");
            // Best effort: older kernels lack these, and they only save work.
            c.setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, new int[] {1}, Integer.BYTES);
            c.setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, new int[] {1}, Integer.BYTES);
            int framesPerBlock = BLOCK_SIZE / frameSize;
            int rxBlocks = Math.max(1, rxFrames / framesPerBlock);
            int txBlocks = Math.max(1, txFrames / framesPerBlock);
            byte[] rx = ringRequest(BLOCK_SIZE, rxBlocks, frameSize, rxBlocks * framesPerBlock);
            if (c.setsockopt(fd, SOL_PACKET, PACKET_RX_RING, rx, rx.length) != 0) {
                throw failure("setsockopt(PACKET_RX_RING) on " + interfaceName);
            }
            byte[] tx = ringRequest(BLOCK_SIZE, txBlocks, frameSize, txBlocks * framesPerBlock);
            if (c.setsockopt(fd, SOL_PACKET, PACKET_TX_RING, tx, tx.length) != 0) {
                throw failure("setsockopt(PACKET_TX_RING) on " + interfaceName);
            }
            long length = (long) BLOCK_SIZE * (rxBlocks + txBlocks);
            Pointer mapped = c.mmap(null, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
            if (mapped == null || mapped.address() == -1L) throw failure("mmap of the packet rings on " + interfaceName);
            long mapping = mapped.address();
            byte[] sockaddr = linkLayerAddress(index);
            if (c.bind(fd, sockaddr, sockaddr.length) != 0) {
                c.munmap(mapped, length);
                throw failure("bind(AF_PACKET) to " + interfaceName);
            }
            return new AfPacketRingPort(interfaceName, index, mac, fd, mapping, length, frameSize,
                    rxBlocks * framesPerBlock, txBlocks * framesPerBlock, rxBlocks * BLOCK_SIZE, offload);
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
            int base = (rxIndex / framesPerBlock()) * BLOCK_SIZE + (rxIndex % framesPerBlock()) * frameSize;
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
                handler.onFrame(frames, base + macOffset, snapLength, wireLength,
                        vnet ? offloadBefore(base + macOffset) : Offload.NONE);
            }
            STATUS_WORD.setRelease(headers, base + STATUS, TP_STATUS_KERNEL);
            rxIndex = rxIndex + 1 == rxFrames ? 0 : rxIndex + 1;
            handled++;
        }
        return handled;
    }

    /** The kernel writes the virtio-net header (little-endian fields) just before the frame. */
    private long offloadBefore(int frame) {
        int h = frame - Offload.HEADER_LENGTH;
        return Offload.of(headers.get(h), headers.get(h + 1), headers.getShort(h + 4), headers.getShort(h + 6),
                headers.getShort(h + 8));
    }

    private int framesPerBlock() {
        return BLOCK_SIZE / frameSize;
    }

    private boolean awaitReadable(int timeoutMillis) {
        pollFd[1] = POLLIN;
        return Libc.functions().poll(pollFd, 1, timeoutMillis) > 0;
    }

    @Override
    public void filter(byte[] program) throws IOException {
        Libc.Functions c = Libc.functions();
        if (program == null) {
            // SO_DETACH_FILTER fails with ENOENT when none is attached: nothing to undo then
            c.setsockopt(fd, SOL_SOCKET, SO_DETACH_FILTER, new int[] {0}, Integer.BYTES);
            return;
        }
        jnr.ffi.Runtime runtime = Libc.runtime();
        Pointer instructions = jnr.ffi.Memory.allocateDirect(runtime, program.length);
        instructions.put(0, program, 0, program.length);
        Pointer fprog = jnr.ffi.Memory.allocateDirect(runtime, 16); // struct sock_fprog {u16 len; filter *}
        fprog.putShort(0, (short) (program.length / 8));
        fprog.putAddress(runtime.addressSize(), instructions.address());
        // SO_ATTACH_FILTER swaps the program in one step: no moment without a filter
        if (c.setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, fprog, 8 + runtime.addressSize()) != 0) {
            throw failure("setsockopt(SO_ATTACH_FILTER) on " + interfaceName);
        }
    }

    @Override
    public boolean acceptsOffload() {
        return vnet;
    }

    @Override
    public boolean send(ByteBuffer frame, int offset, int length, long offload) {
        int header = vnet ? Offload.HEADER_LENGTH : 0;
        if (length + header > frameSize - TX_DATA || length < 14 || (!vnet && offload != Offload.NONE)) return false;
        int base = txBase + (txIndex / framesPerBlock()) * BLOCK_SIZE + (txIndex % framesPerBlock()) * frameSize;
        int status = (int) STATUS_WORD.getAcquire(headers, base + STATUS);
        if (status != TP_STATUS_AVAILABLE && status != TP_STATUS_WRONG_FORMAT) {
            flush();
            return false; // the kernel still owns the slot: the ring is full
        }
        if (vnet) {
            // flags (NEEDS_CSUM only: DATA_VALID means nothing on the way out), gso_type, hdr_len 0 (the kernel
            // derives it), gso_size, csum_start, csum_offset
            int h = base + TX_DATA;
            headers.put(h, (byte) (Offload.flags(offload) & Offload.NEEDS_CSUM));
            headers.put(h + 1, (byte) Offload.gsoType(offload));
            headers.putShort(h + 2, (short) 0);
            headers.putShort(h + 4, (short) Offload.segmentSize(offload));
            headers.putShort(h + 6, (short) Offload.checksumStart(offload));
            headers.putShort(h + 8, (short) Offload.checksumOffset(offload));
        }
        int target = base + TX_DATA + header;
        // A frame received on this port and rewritten in place is copied within the mapping, through a second view.
        frames.put(target, frame == frames ? framesSource : frame, offset, length);
        headers.putInt(base + LEN, length + header);
        STATUS_WORD.setRelease(headers, base + STATUS, TP_STATUS_SEND_REQUEST);
        txIndex = txIndex + 1 == txFrames ? 0 : txIndex + 1;
        if (++txPending >= txFrames / 2) flush();
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

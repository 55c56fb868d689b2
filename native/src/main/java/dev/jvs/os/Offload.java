package dev.jvs.os;

/**
 * The kernel's virtio-net header ({@code struct virtio_net_hdr}, include/uapi/linux/virtio_net.h) packed into one
 * {@code long}, so a frame's offload state travels with it without an object: which frames still need their
 * transport checksum finished ({@link #NEEDS_CSUM}, from {@link #checksumStart} over the rest of the frame, stored
 * at {@link #checksumOffset} past it) and which are TCP aggregates of up to 64 KiB to be cut into segments of
 * {@link #segmentSize} payload bytes ({@link #gsoType}). 0 means a plain, finished frame.
 *
 * <p>Layout: flags in bits 0-7, gso_type 8-15, gso_size 16-31, csum_start 32-47, csum_offset 48-63 (hdr_len is
 * only a hint to the kernel and is not kept). Offsets count from the frame's first (Ethernet) byte.
 */
public final class Offload {

    /** Plain frame: complete checksums, no segmentation. */
    public static final long NONE = 0;
    /** VIRTIO_NET_HDR_F_NEEDS_CSUM: the checksum field holds only the pseudo-header sum. */
    public static final int NEEDS_CSUM = 1;
    /** VIRTIO_NET_HDR_F_DATA_VALID: the receiver already checked the checksum (receive side only). */
    public static final int DATA_VALID = 2;
    public static final int GSO_NONE = 0;
    public static final int GSO_TCPV4 = 1;
    public static final int GSO_UDP = 3;
    public static final int GSO_TCPV6 = 4;
    public static final int GSO_ECN = 0x80;
    /** sizeof(struct virtio_net_hdr). */
    public static final int HEADER_LENGTH = 10;

    private Offload() {}

    public static long of(int flags, int gsoType, int gsoSize, int checksumStart, int checksumOffset) {
        return (flags & 0xffL) | (gsoType & 0xffL) << 8 | (gsoSize & 0xffffL) << 16
                | (checksumStart & 0xffffL) << 32 | (checksumOffset & 0xffffL) << 48;
    }

    public static int flags(long offload) {
        return (int) (offload & 0xff);
    }

    public static boolean needsChecksum(long offload) {
        return (offload & NEEDS_CSUM) != 0;
    }

    public static int gsoType(long offload) {
        return (int) ((offload >>> 8) & 0xff);
    }

    /** Whether the frame is an aggregate the sender meant to be cut into segments. */
    public static boolean segmented(long offload) {
        return gsoType(offload) != GSO_NONE;
    }

    /** gso_size: payload bytes per segment. */
    public static int segmentSize(long offload) {
        return (int) ((offload >>> 16) & 0xffff);
    }

    public static int checksumStart(long offload) {
        return (int) ((offload >>> 32) & 0xffff);
    }

    public static int checksumOffset(long offload) {
        return (int) ((offload >>> 48) & 0xffff);
    }

    /** For logs and test failures. */
    public static String describe(long offload) {
        if (offload == NONE) return "none";
        return "flags=" + flags(offload) + " gso_type=" + gsoType(offload) + " gso_size=" + segmentSize(offload)
                + " csum_start=" + checksumStart(offload) + " csum_offset=" + checksumOffset(offload);
    }
}

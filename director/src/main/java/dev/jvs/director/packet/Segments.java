package dev.jvs.director.packet;

import dev.jvs.os.Offload;

import java.nio.ByteBuffer;

/**
 * What the kernel does to an offloaded frame on its way out, done in user space where it cannot be handed over:
 * finishing a transport checksum ({@code NEEDS_CSUM}), and cutting a TCP aggregate into segments (GSO) with their
 * own IP lengths, IDs, sequence numbers, flags and checksums. Used for tunnels (the kernel cannot segment an IPIP
 * packet described only as TCP) and ports without offload support (pcap). Nothing here allocates.
 */
final class Segments {

    private static final int IPPROTO_TCP = 6;
    private static final int TCP_FIN = 0x01;
    private static final int TCP_PSH = 0x08;
    private static final int TCP_CWR = 0x80;

    private Segments() {}

    /**
     * Finishes the checksum of a {@code NEEDS_CSUM} frame in place: the field holds the pseudo-header sum, so the
     * checksum is the sum from {@code csum_start} to the end of the IP packet.
     *
     * @return false when the offsets do not fit the frame (the frame must be dropped)
     */
    static boolean finishChecksum(ByteBuffer b, int frame, int frameLength, long offload) {
        int start = Offload.checksumStart(offload);
        int field = start + Offload.checksumOffset(offload);
        if (start < PacketForwarder.ETH_HEADER || field + 2 > frameLength) return false;
        int checksum = Bytes.fold(Bytes.sum(b, frame + start, frameLength - start, 0));
        if (checksum == 0 && Offload.checksumOffset(offload) == 6) checksum = 0xffff; // UDP: 0 means "none"
        b.putShort(frame + field, (short) checksum);
        return true;
    }

    /**
     * The offload state to hand the kernel with a frame forwarded whole: a TCP aggregate without
     * {@code NEEDS_CSUM} (received with a verified checksum) gets it, with the pseudo-header sum in its checksum
     * field, because the kernel segments only frames whose checksum it is to finish.
     */
    static long forHandOver(ByteBuffer b, int frame, long offload) {
        long o = offload & ~(long) Offload.DATA_VALID;
        if (!Offload.segmented(o) || Offload.needsChecksum(o)) return o;
        int ip = frame + PacketForwarder.ETH_HEADER;
        boolean ipv6 = (b.get(ip) & 0xf0) == 0x60;
        int l4 = ipv6 ? ip + 40 : ip + (b.get(ip) & 0x0f) * 4;
        int ipLength = ipv6 ? 40 + (b.getShort(ip + 4) & 0xffff) : b.getShort(ip + 2) & 0xffff;
        int l4Length = ipLength - (l4 - ip);
        b.putShort(l4 + 16, (short) (~Bytes.fold(pseudoHeaderSum(b, ip, ipv6, IPPROTO_TCP, l4Length)) & 0xffff));
        return Offload.of(Offload.NEEDS_CSUM, Offload.gsoType(o), Offload.segmentSize(o), l4 - frame, 16);
    }

    /** Whether the aggregate is one this class can cut: TCP over IPv4 or IPv6 (no extension headers). */
    static boolean canSegment(ByteBuffer b, int ip, long offload) {
        int type = Offload.gsoType(offload) & ~Offload.GSO_ECN;
        if (Offload.segmentSize(offload) == 0) return false;
        if (type == Offload.GSO_TCPV4) return (b.get(ip) & 0xf0) == 0x40 && (b.get(ip + 9) & 0xff) == IPPROTO_TCP;
        if (type == Offload.GSO_TCPV6) return (b.get(ip) & 0xf0) == 0x60 && (b.get(ip + 6) & 0xff) == IPPROTO_TCP;
        return false;
    }

    /** Bytes of IP and TCP header every segment repeats. */
    static int headerLength(ByteBuffer b, int ip) {
        boolean ipv6 = (b.get(ip) & 0xf0) == 0x60;
        int l4 = ipv6 ? ip + 40 : ip + (b.get(ip) & 0x0f) * 4;
        return l4 - ip + ((b.get(l4 + 12) & 0xff) >>> 4) * 4;
    }

    /** How many segments of {@code mss} payload bytes the aggregate makes (at least one). */
    static int count(int ipLength, int headers, int mss) {
        int payload = ipLength - headers;
        return payload <= 0 ? 1 : (payload + mss - 1) / mss;
    }

    /**
     * Writes segment {@code k} of the TCP aggregate at {@code src[ip, ip + ipLength)} as a complete IP packet at
     * {@code dst[to...]}, checksums included.
     *
     * @return the segment's IP length
     */
    static int write(ByteBuffer src, int ip, int ipLength, int headers, int mss, int k, ByteBuffer dst, int to) {
        boolean ipv6 = (src.get(ip) & 0xf0) == 0x60;
        int payload = ipLength - headers;
        int first = k * mss;
        int length = Math.max(0, Math.min(mss, payload - first));
        boolean last = first + length >= payload;
        dst.put(to, src, ip, headers);
        dst.put(to + headers, src, ip + headers + first, length);
        int segment = headers + length;
        int l4 = ipv6 ? to + 40 : to + (dst.get(to) & 0x0f) * 4;
        if (ipv6) {
            dst.putShort(to + 4, (short) (segment - 40));
        } else {
            dst.putShort(to + 2, (short) segment);
            dst.putShort(to + 4, (short) ((src.getShort(ip + 4) & 0xffff) + k)); // one ID per segment, as the kernel
            dst.putShort(to + 10, (short) 0);
            dst.putShort(to + 10, (short) Bytes.checksum(dst, to, l4 - to));
        }
        dst.putInt(l4 + 4, src.getInt(ip + (l4 - to) + 4) + first); // sequence number
        int flags = dst.get(l4 + 13) & 0xff;
        if (!last) flags &= ~(TCP_FIN | TCP_PSH);
        if (k > 0) flags &= ~TCP_CWR;
        dst.put(l4 + 13, (byte) flags);
        int l4Length = segment - (l4 - to);
        dst.putShort(l4 + 16, (short) 0);
        long sum = pseudoHeaderSum(dst, to, ipv6, IPPROTO_TCP, l4Length);
        dst.putShort(l4 + 16, (short) Bytes.fold(Bytes.sum(dst, l4, l4Length, sum)));
        return segment;
    }

    /** The sum of the TCP/UDP pseudo-header of the IP packet at {@code ip}. */
    static long pseudoHeaderSum(ByteBuffer b, int ip, boolean ipv6, int protocol, int l4Length) {
        long sum = ipv6 ? Bytes.sum(b, ip + 8, 32, 0) : Bytes.sum(b, ip + 12, 8, 0);
        return sum + protocol + l4Length;
    }
}

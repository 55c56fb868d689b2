package dev.jvs.os;

import java.nio.ByteBuffer;

/**
 * Reconstructs a frame's {@link Offload} state for ports that do not get the kernel's virtio-net header (libpcap):
 * a TCP/UDP checksum field holding exactly the pseudo-header sum while the full checksum does not verify is an
 * unfinished checksum ({@code NEEDS_CSUM}), and a TCP packet longer than the interface's MTU is a GRO/TSO
 * aggregate, to be cut into segments that fit it.
 */
final class OffloadInference {

    private static final int ETH_HEADER = 14;
    private static final int TCP = 6;
    private static final int UDP = 17;
    /** The shortest frame with a checksum to finish: an IPv4 UDP header and no payload. */
    private static final int SHORTEST = ETH_HEADER + 20 + 8;

    private OffloadInference() {}

    static long infer(ByteBuffer b, int frame, int length, int mtu) {
        if (length < SHORTEST) return Offload.NONE;
        int type = b.getShort(frame + 12) & 0xffff;
        int ip = frame + ETH_HEADER;
        boolean ipv6;
        int l4;
        int ipLength;
        int protocol;
        if (type == 0x0800 && (b.get(ip) & 0xf0) == 0x40) {
            ipv6 = false;
            l4 = ip + (b.get(ip) & 0x0f) * 4;
            ipLength = b.getShort(ip + 2) & 0xffff;
            protocol = b.get(ip + 9) & 0xff;
            if ((b.getShort(ip + 6) & 0x3fff) != 0) return Offload.NONE; // fragments carry no full checksum here
        } else if (type == 0x86dd && (b.get(ip) & 0xf0) == 0x60) {
            ipv6 = true;
            l4 = ip + 40;
            ipLength = 40 + (b.getShort(ip + 4) & 0xffff);
            protocol = b.get(ip + 6) & 0xff;
        } else {
            return Offload.NONE;
        }
        int checksumOffset = protocol == TCP ? 16 : protocol == UDP ? 6 : -1;
        int l4Length = ipLength - (l4 - ip);
        if (checksumOffset < 0 || ipLength > length - ETH_HEADER || l4Length < checksumOffset + 2) {
            return Offload.NONE;
        }
        long pseudo = (ipv6 ? sum(b, ip + 8, 32, 0) : sum(b, ip + 12, 8, 0)) + protocol + l4Length;
        int field = b.getShort(l4 + checksumOffset) & 0xffff;
        boolean partial = field == (~fold(pseudo) & 0xffff) && fold(sum(b, l4, l4Length, pseudo)) != 0;
        int flags = partial ? Offload.NEEDS_CSUM : 0;
        int start = l4 - frame;
        if (protocol == TCP && ipLength > mtu && l4Length >= 20) {
            int headers = l4 - ip + ((b.get(l4 + 12) & 0xff) >>> 4) * 4;
            return Offload.of(flags, ipv6 ? Offload.GSO_TCPV6 : Offload.GSO_TCPV4, mtu - headers, start,
                    checksumOffset);
        }
        return partial ? Offload.of(flags, Offload.GSO_NONE, 0, start, checksumOffset) : Offload.NONE;
    }

    private static long sum(ByteBuffer b, int offset, int length, long sum) {
        int i = offset;
        int end = offset + length;
        for (; i + 1 < end; i += 2) sum += b.getShort(i) & 0xffff;
        if (i < end) sum += (b.get(i) & 0xff) << 8;
        return sum;
    }

    /** Folded and inverted: 0 for data whose checksum verifies. */
    private static int fold(long sum) {
        while ((sum >>> 16) != 0) sum = (sum & 0xffff) + (sum >>> 16);
        return (int) (~sum & 0xffff);
    }
}

package dev.jvs.director.vrrp;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * The Internet checksum as VRRP uses it: the one's complement of the one's complement sum of the
 * message (checksum field as zero), plus, for VRRPv3, a pseudo-header of the addresses around it.
 */
public final class VrrpChecksum {

    static final int IPPROTO_VRRP = 112;

    private VrrpChecksum() {}

    /** VRRPv2: the VRRP message alone, auth data included. */
    public static int ofMessage(byte[] message, int offset, int length) {
        return fold(sum(0, message, offset, length));
    }

    /**
     * VRRPv3: message plus the pseudo-header (IPv4: src, dst, zero, 112, length;
     * IPv6: src, dst, 32-bit length, three zero bytes, 112), as RFC 5798 §5.2.8 specifies.
     */
    public static int withPseudoHeader(InetAddress source, InetAddress destination,
                                       byte[] message, int offset, int length) {
        long sum = 0;
        sum = sum(sum, source.getAddress(), 0, source.getAddress().length);
        sum = sum(sum, destination.getAddress(), 0, destination.getAddress().length);
        if (source instanceof Inet4Address) {
            sum += IPPROTO_VRRP;
            sum += length;
        } else {
            sum += (length >>> 16) + (length & 0xffff);
            sum += IPPROTO_VRRP;
        }
        return fold(sum(sum, message, offset, length));
    }

    private static long sum(long sum, byte[] bytes, int offset, int length) {
        int end = offset + length;
        int i = offset;
        for (; i + 1 < end; i += 2) {
            sum += ((bytes[i] & 0xff) << 8) | (bytes[i + 1] & 0xff);
        }
        if (i < end) sum += (bytes[i] & 0xff) << 8; // an odd trailing byte is padded with zero
        return sum;
    }

    private static int fold(long sum) {
        while ((sum >>> 16) != 0) sum = (sum & 0xffff) + (sum >>> 16);
        return (int) (~sum & 0xffff);
    }
}

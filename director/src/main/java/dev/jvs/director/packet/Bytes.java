package dev.jvs.director.packet;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/** Byte-level helpers for frames: addresses to words and back, and the Internet checksum. */
final class Bytes {

    private Bytes() {}

    static int ipv4(InetAddress address) {
        byte[] b = address.getAddress();
        return ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
    }

    /** An address as the (high, low) words the flow table keys use; IPv4 lives in the low word. */
    static long high(InetAddress address) {
        byte[] b = address.getAddress();
        return b.length == 4 ? 0 : ByteBuffer.wrap(b).getLong(0);
    }

    static long low(InetAddress address) {
        byte[] b = address.getAddress();
        return b.length == 4 ? Integer.toUnsignedLong(ipv4(address)) : ByteBuffer.wrap(b).getLong(8);
    }

    static InetAddress address(boolean ipv6, long high, long low) {
        try {
            if (!ipv6) {
                int v = (int) low;
                return InetAddress.getByAddress(new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8),
                        (byte) v});
            }
            return InetAddress.getByAddress(ByteBuffer.allocate(16).putLong(high).putLong(low).array());
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * One's-complement sum of {@code length} bytes, not yet folded or inverted. Eight bytes at a time, added as
     * two 32-bit words: 2^16 is 1 modulo 0xffff, so folding the wider sum gives the same 16-bit checksum.
     */
    static long sum(ByteBuffer b, int offset, int length, long sum) {
        int i = offset;
        int end = offset + length;
        for (; i + 7 < end; i += 8) {
            long v = b.getLong(i);
            sum += (v >>> 32) + (v & 0xffffffffL);
        }
        for (; i + 1 < end; i += 2) sum += b.getShort(i) & 0xffff;
        if (i < end) sum += (b.get(i) & 0xff) << 8;
        return sum;
    }

    static int fold(long sum) {
        while ((sum >>> 16) != 0) sum = (sum & 0xffff) + (sum >>> 16);
        return (int) (~sum & 0xffff);
    }

    static int checksum(ByteBuffer b, int offset, int length) {
        return fold(sum(b, offset, length, 0));
    }
}

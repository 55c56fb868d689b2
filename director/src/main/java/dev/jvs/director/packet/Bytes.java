package dev.jvs.director.packet;

import java.nio.ByteBuffer;

/** Byte-level helpers for frames: the Internet checksum (addresses to words: {@link dev.jvs.director.net.AddressWords}). */
final class Bytes {

    private Bytes() {}

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

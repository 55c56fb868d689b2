package dev.jvs.director.net;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/**
 * An IP address as numbers, for keys that must not hold an address object per entry: two 64-bit words, high
 * and low, with IPv4 in the low word (and the high word 0; an IPv4 and an IPv6 address are told apart by a flag
 * beside them, as {@code ::a.b.c.d} has the same words).
 */
public final class AddressWords {

    private AddressWords() {}

    public static int ipv4(InetAddress address) {
        byte[] b = address.getAddress();
        return ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
    }

    public static long high(InetAddress address) {
        return high(address.getAddress());
    }

    public static long low(InetAddress address) {
        return low(address.getAddress());
    }

    /** The high word of an address's bytes (4 or 16 of them, as {@link InetAddress#getAddress} gives). */
    public static long high(byte[] b) {
        return b.length == 4 ? 0 : ByteBuffer.wrap(b).getLong(0);
    }

    /** The low word of an address's bytes. */
    public static long low(byte[] b) {
        return b.length == 4 ? Integer.toUnsignedLong(ByteBuffer.wrap(b).getInt(0)) : ByteBuffer.wrap(b).getLong(8);
    }

    public static InetAddress address(boolean ipv6, long high, long low) {
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
}

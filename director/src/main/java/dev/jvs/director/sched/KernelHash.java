package dev.jvs.director.sched;

import java.net.Inet4Address;
import java.net.InetAddress;

/** The address hashing of the kernel's dh, sh, lblc and lblcr schedulers (Linux 4.18 and later). */
final class KernelHash {

    /** GOLDEN_RATIO_32 of the kernel's hash_32. */
    static final int GOLDEN_RATIO_32 = 0x61C88647;

    private KernelHash() {
    }

    /**
     * The kernel's {@code addr_fold} in host order: an IPv4 address as its 32-bit value, an IPv6 address as the
     * XOR of its four 32-bit words.
     */
    static int fold(InetAddress address) {
        if (address instanceof Inet4Address) {
            // Inet4Address's hash code is defined as its address value; this avoids getAddress()'s copy.
            return address.hashCode();
        }
        byte[] b = address.getAddress();
        int folded = 0;
        for (int i = 0; i < 16; i += 4) {
            folded ^= (b[i] & 0xff) << 24 | (b[i + 1] & 0xff) << 16 | (b[i + 2] & 0xff) << 8 | (b[i + 3] & 0xff);
        }
        return folded;
    }

    /** hash_32(x, bits): the top {@code bits} bits of the 32-bit product with the golden ratio. */
    static int hash32(int x, int bits) {
        return (x * GOLDEN_RATIO_32) >>> (32 - bits);
    }
}

package dev.jvs.director.sched;

/**
 * The kernel's {@code hsiphash} of one 32-bit value as 64-bit kernels compute it: SipHash-1-3 keyed with two
 * 64-bit words, the four input bytes read little-endian, the 64-bit result truncated to 32 bits. mh depends on
 * it, so its tables match an x86-64 / arm64 director only with this exact function.
 */
final class HsipHash {

    private HsipHash() {
    }

    static int hash(long k0, long k1, int value) {
        long v0 = 0x736f6d6570736575L ^ k0;
        long v1 = 0x646f72616e646f6dL ^ k1;
        long v2 = 0x6c7967656e657261L ^ k0;
        long v3 = 0x7465646279746573L ^ k1;
        // the final block: message length in the top byte, the four bytes of the value below it
        long b = (4L << 56) | (value & 0xffffffffL);
        v3 ^= b;
        // one compression round
        v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
        v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
        v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
        v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        v0 ^= b;
        v2 ^= 0xff;
        // three finalisation rounds
        for (int i = 0; i < 3; i++) {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        return (int) ((v0 ^ v1) ^ (v2 ^ v3));
    }
}

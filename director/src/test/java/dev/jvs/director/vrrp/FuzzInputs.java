package dev.jvs.director.vrrp;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

import java.util.Arrays;

/** Fuzz inputs shared by the decoder properties. */
public final class FuzzInputs {

    private FuzzInputs() {}

    /** Random bytes, or a valid message with four bytes changed and maybe cut short or extended. */
    public static Arbitrary<byte[]> mutationsOf(byte[] valid) {
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(128);
        Arbitrary<byte[]> mutated = Arbitraries.integers().between(0, valid.length + 16).flatMap(length ->
                Arbitraries.bytes().list().ofSize(4).flatMap(values ->
                        Arbitraries.integers().between(0, Math.max(0, length - 1)).list().ofSize(4).map(positions -> {
                            byte[] out = Arrays.copyOf(valid, length);
                            for (int i = 0; i < 4 && length > 0; i++) out[positions.get(i)] = values.get(i);
                            return out;
                        })));
        return Arbitraries.oneOf(random, mutated);
    }
}

package dev.jvs.model;

/** Estimated per-second rates, as in {@code ipvsadm -Ln --rate} (bytes per second for the last two). */
public record Rates(long cps, long inPps, long outPps, long inBps, long outBps) {
    public static final Rates ZERO = new Rates(0, 0, 0, 0, 0);
}

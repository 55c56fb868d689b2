package dev.jvs.model;

/** Cumulative counters of a service or real server, as in {@code ipvsadm -Ln --stats}. */
public record Stats(long conns, long inPkts, long outPkts, long inBytes, long outBytes) {
    public static final Stats ZERO = new Stats(0, 0, 0, 0, 0);
}

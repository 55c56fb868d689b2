package dev.jvs.os;

import java.io.IOException;

/**
 * The process's limit on open file descriptors ({@code RLIMIT_NOFILE}). Each NAT listener and each proxied
 * connection takes descriptors, so the director runs with its soft limit raised to the hard one, as the JVM does
 * on Linux unless told not to ({@code -XX:-MaxFDLimit}).
 */
public final class OpenFileLimit {

    /** RLIMIT_NOFILE in the generic Linux numbering (x86-64, arm64, riscv64 and most others). */
    private static final int RLIMIT_NOFILE = 7;
    /** RLIM_INFINITY: all bits set. */
    private static final long INFINITY = -1L;

    /** The soft limit (the one that counts) before and after raising it, and the hard ceiling. */
    public record Limits(long before, long soft, long hard) {
        public boolean raised() {
            return soft != before;
        }
    }

    private OpenFileLimit() {}

    /** Raises the soft limit to the hard one if it is lower; returns the limits, unlimited as Long.MAX_VALUE. */
    public static Limits raiseSoftToHard() throws IOException {
        long[] limits = new long[2];
        if (Libc.functions().getrlimit(RLIMIT_NOFILE, limits) != 0) {
            throw new IOException("getrlimit(RLIMIT_NOFILE): " + Libc.describe(Libc.lastErrno()));
        }
        long soft = unsigned(limits[0]);
        long hard = unsigned(limits[1]);
        if (soft >= hard) return new Limits(soft, soft, hard);
        long[] raised = {limits[1], limits[1]};
        if (Libc.functions().setrlimit(RLIMIT_NOFILE, raised) != 0) {
            throw new IOException("setrlimit(RLIMIT_NOFILE, " + hard + "): " + Libc.describe(Libc.lastErrno()));
        }
        return new Limits(soft, hard, hard);
    }

    /** How many descriptors the process has open now (the entries of /proc/self/fd; a read, not for hot paths). */
    public static long openNow() throws IOException {
        try (java.util.stream.Stream<java.nio.file.Path> fds =
                     java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd"))) {
            return fds.count() - 1; // less the one this listing holds open
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static long unsigned(long limit) {
        return limit == INFINITY || limit < 0 ? Long.MAX_VALUE : limit;
    }
}

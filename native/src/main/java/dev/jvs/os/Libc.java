package dev.jvs.os;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;

/** The few libc functions JVS calls directly, bound once for the whole process. */
final class Libc {

    /**
     * Signatures as in glibc; unsigned ints travel as Java ints (indexes stay far below 2^31).
     * Public only because jnr-ffi implements it from its own class loader; {@link Libc}
     * itself stays package-private, so the type is not reachable outside this package.
     */
    public interface Functions {
        @SaveError
        int if_nametoindex(String ifName);

        @SaveError
        Pointer if_indextoname(int ifIndex, @Out byte[] ifName);

        @SaveError
        int setsockopt(int fd, int level, int optName, @In int[] optValue, int optLength);

        String strerror(int errno);
    }

    /** IF_NAMESIZE from net/if.h: the longest name plus its terminating NUL. */
    static final int IF_NAMESIZE = 16;

    /** Loaded lazily by the class holder idiom, so merely referencing JVS types needs no libc. */
    private static final class Holder {
        static final Functions FUNCTIONS = LibraryLoader.create(Functions.class).load("c");
        static final Runtime RUNTIME = Runtime.getRuntime(FUNCTIONS);
    }

    private Libc() {}

    static Functions functions() {
        return Holder.FUNCTIONS;
    }

    /** errno as saved right after the last {@link SaveError} call on this thread. */
    static int lastErrno() {
        return Holder.RUNTIME.getLastError();
    }

    /** "No such device (errno 19)": the C library's wording, with the number for searching. */
    static String describe(int errno) {
        return Holder.FUNCTIONS.strerror(errno) + " (errno " + errno + ")";
    }
}

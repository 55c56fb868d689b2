package dev.jvs.os;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;

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

        @SaveError
        int setsockopt(int fd, int level, int optName, @In byte[] optValue, int optLength);

        @SaveError
        int setsockopt(int fd, int level, int optName, Pointer optValue, int optLength);

        @SaveError
        int socket(int domain, int type, int protocol);

        @SaveError
        int bind(int fd, @In byte[] address, int addressLength);

        @SaveError
        Pointer mmap(Pointer address, @size_t long length, int protection, int flags, int fd, @off_t long offset);

        int munmap(Pointer address, @size_t long length);

        /** {@code struct pollfd} is {int fd; short events; short revents}: two ints per descriptor here. */
        @SaveError
        int poll(@In @Out int[] pollFds, long count, int timeoutMillis);

        @SaveError
        long sendto(int fd, Pointer buffer, long length, int flags, Pointer address, int addressLength);

        @SaveError
        int ioctl(int fd, long request, @In @Out byte[] argument);

        @SaveError
        int open(String path, int flags);

        @SaveError
        long read(int fd, @Out byte[] buffer, long count);

        @SaveError
        long write(int fd, @In byte[] buffer, long count);

        int close(int fd);

        @SaveError
        int flock(int fd, int operation);

        String strerror(int errno);

        /** {@code struct rlimit} is two {@code rlim_t} (unsigned long): the soft and the hard limit. */
        @SaveError
        int getrlimit(int resource, @Out long[] limits);

        @SaveError
        int setrlimit(int resource, @In long[] limits);
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

    static Runtime runtime() {
        return Holder.RUNTIME;
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

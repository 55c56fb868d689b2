package dev.jvs.os;

import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;

/** A plain kernel socket for tests, opened and inspected straight through libc. */
final class RawSocket implements AutoCloseable {

    /** Public only because jnr-ffi implements it from its own class loader. */
    public interface TestLibc {
        int socket(int domain, int type, int protocol);

        int getsockopt(int fd, int level, int optName, @Out int[] optValue, @In @Out int[] optLength);

        int close(int fd);
    }

    private static final TestLibc LIBC = LibraryLoader.create(TestLibc.class).load("c");
    private static final int AF_INET = 2;
    private static final int SOCK_STREAM = 1;

    final int fd;

    private RawSocket(int fd) {
        this.fd = fd;
    }

    static RawSocket tcp() {
        int fd = LIBC.socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0) throw new IllegalStateException("socket(AF_INET, SOCK_STREAM, 0) failed");
        return new RawSocket(fd);
    }

    /** The current value of an SOL_IP integer option, read back from the kernel. */
    int ipOption(int option) {
        int[] value = {0};
        int[] length = {Integer.BYTES};
        if (LIBC.getsockopt(fd, Sockets.SOL_IP, option, value, length) != 0) {
            throw new IllegalStateException("getsockopt(" + option + ") failed on fd " + fd);
        }
        return value[0];
    }

    @Override
    public void close() {
        LIBC.close(fd);
    }
}

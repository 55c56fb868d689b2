package dev.jvs.os;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;

/** The libc socket calls the JDK does not offer for raw IP and AF_PACKET sockets. */
final class NetCalls {

    /** glibc signatures; size_t/ssize_t travel as Java longs (x86_64/aarch64 LP64). */
    public interface Functions {
        @SaveError int socket(int domain, int type, int protocol);
        @SaveError int setsockopt(int fd, int level, int optName, @In byte[] optValue, int optLength);
        @SaveError int bind(int fd, @In byte[] address, int addressLength);
        @SaveError long sendto(int fd, @In byte[] buffer, long length, int flags, @In byte[] address, int addressLength);
        @SaveError long recvfrom(int fd, @Out byte[] buffer, long length, int flags, @Out byte[] address, @In @Out int[] addressLength);
        @SaveError long recvmsg(int fd, Pointer message, int flags);
        @SaveError int close(int fd);
    }

    static final int AF_INET = 2;
    static final int AF_INET6 = 10;
    static final int AF_PACKET = 17;
    static final int SOCK_DGRAM = 2;
    static final int SOCK_RAW = 3;
    static final int SOL_SOCKET = 1;
    static final int SO_BINDTODEVICE = 25;
    static final int SO_RCVTIMEO = 20;
    static final int IPPROTO_IP = 0;
    static final int IPPROTO_IPV6 = 41;
    static final int IPPROTO_ICMPV6 = 58;
    static final int IP_TTL = 2;
    static final int IP_MULTICAST_IF = 32;
    static final int IP_MULTICAST_TTL = 33;
    static final int IP_MULTICAST_LOOP = 34;
    static final int IP_ADD_MEMBERSHIP = 35;
    static final int IPV6_CHECKSUM = 7;
    static final int IPV6_UNICAST_HOPS = 16;
    static final int IPV6_MULTICAST_IF = 17;
    static final int IPV6_MULTICAST_HOPS = 18;
    static final int IPV6_MULTICAST_LOOP = 19;
    static final int IPV6_ADD_MEMBERSHIP = 20;
    static final int IPV6_RECVPKTINFO = 49;
    static final int IPV6_PKTINFO = 50;
    static final int IPV6_RECVHOPLIMIT = 51;
    static final int IPV6_HOPLIMIT = 52;
    static final int EAGAIN = 11;
    static final int EINTR = 4;

    private static final class Holder {
        static final Functions FUNCTIONS = LibraryLoader.create(Functions.class).load("c");
        static final Runtime RUNTIME = Runtime.getRuntime(FUNCTIONS);
    }

    private NetCalls() {}

    static Functions functions() { return Holder.FUNCTIONS; }

    static Runtime runtime() { return Holder.RUNTIME; }

    static int lastErrno() { return Holder.RUNTIME.getLastError(); }

    static byte[] intValue(int value) {
        return new byte[] {(byte) value, (byte) (value >>> 8), (byte) (value >>> 16), (byte) (value >>> 24)};
    }
}

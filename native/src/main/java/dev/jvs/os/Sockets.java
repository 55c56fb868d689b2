package dev.jvs.os;

import java.net.SocketException;

/**
 * Linux socket options that neither the JDK nor Netty's NIO transport expose.
 *
 * <p>Both take a raw file descriptor, so they apply to sockets from any source
 * (a Netty epoll channel, a socket handed over by systemd, ...).
 */
public final class Sockets {

    /** From linux/in.h. */
    static final int SOL_IP = 0;
    static final int IP_FREEBIND = 15;
    static final int IP_TRANSPARENT = 19;

    private Sockets() {}

    /**
     * Lets the socket bind to an address this host does not (yet) have, so a
     * director can listen on a VIP before keepalived has moved it here.
     */
    public static void setFreebind(int fd) throws SocketException {
        enable(fd, IP_FREEBIND, "IP_FREEBIND");
    }

    /**
     * Lets the socket use a non-local source address, which the director needs
     * to connect to a real server in the client's name (needs CAP_NET_ADMIN).
     */
    public static void setTransparent(int fd) throws SocketException {
        enable(fd, IP_TRANSPARENT, "IP_TRANSPARENT");
    }

    private static void enable(int fd, int option, String optionName) throws SocketException {
        int[] on = {1};
        if (Libc.functions().setsockopt(fd, SOL_IP, option, on, Integer.BYTES) != 0) {
            throw new SocketException("setsockopt(fd " + fd + ", SOL_IP, " + optionName + ", 1) failed: "
                    + Libc.describe(Libc.lastErrno()));
        }
    }
}

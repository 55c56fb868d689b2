package dev.jvs.os;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Route and neighbour lookups asked of the kernel over {@code NETLINK_ROUTE} ({@code RTM_GETROUTE},
 * {@code RTM_GETNEIGH}): the answers {@code ip route get} and {@code ip neigh show} print, without starting a
 * process or reading /proc. One socket, one question at a time; for control threads (a question waits for the
 * kernel's answer, which comes at once). {@link #watch} subscribes to the kernel's neighbour changes.
 */
public final class RouteNetlink implements Routing, Neighbours, AutoCloseable {

    // linux/netlink.h, linux/rtnetlink.h, linux/neighbour.h
    private static final int AF_NETLINK = 16;
    private static final int SOCK_RAW = 3;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int NETLINK_ROUTE = 0;
    private static final int NLMSG_ERROR = 2;
    private static final int NLM_F_REQUEST = 1;
    private static final int RTM_NEWROUTE = 24;
    private static final int RTM_GETROUTE = 26;
    private static final int RTM_NEWNEIGH = 28;
    private static final int RTM_GETNEIGH = 30;
    private static final int RTA_DST = 1;
    private static final int RTA_OIF = 4;
    private static final int RTA_GATEWAY = 5;
    private static final int RTA_PREFSRC = 7;
    private static final int RTA_METRICS = 8;
    private static final int RTAX_MTU = 2;
    private static final int NDA_DST = 1;
    private static final int NDA_LLADDR = 2;
    private static final int NUD_INCOMPLETE = 0x01;
    private static final int NUD_FAILED = 0x20;
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;
    private static final int POLLIN = 1;
    private static final int RTNLGRP_NEIGH = 3;

    private final int fd;
    private final byte[] buffer = new byte[32 * 1024];
    private final int[] pollFd;
    private int sequence;

    private RouteNetlink(int fd) {
        this.fd = fd;
        this.pollFd = new int[] {fd, POLLIN};
    }

    public static RouteNetlink open() throws IOException {
        Libc.Functions c = Libc.functions();
        int fd = c.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        if (fd < 0) throw new IOException("socket(AF_NETLINK) failed: " + Libc.describe(Libc.lastErrno()));
        byte[] address = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putShort((short) AF_NETLINK).array();
        if (c.bind(fd, address, address.length) != 0) {
            String why = Libc.describe(Libc.lastErrno());
            c.close(fd);
            throw new IOException("bind(AF_NETLINK) failed: " + why);
        }
        return new RouteNetlink(fd);
    }

    /** {@link #open()}, or null when the kernel refuses a netlink socket (callers fall back to iproute2). */
    public static RouteNetlink openOrNull() {
        try {
            return open();
        } catch (IOException | RuntimeException | LinkageError e) {
            return null;
        }
    }

    @Override
    public synchronized Route routeTo(InetAddress destination) throws IOException {
        byte[] a = destination.getAddress();
        ByteBuffer q = request(RTM_GETROUTE);
        q.put((byte) family(destination)).put((byte) (a.length * 8)).put((byte) 0).put((byte) 0); // rtmsg
        q.put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0).putInt(0);
        attribute(q, RTA_DST, a);
        ByteBuffer r = ask(q, RTM_NEWROUTE, "no route to " + destination.getHostAddress());
        int oif = 0;
        InetAddress gateway = null;
        InetAddress source = null;
        int mtu = 0;
        int end = r.limit();
        for (int at = r.position() + 12; at + 4 <= end; ) {
            int length = Short.toUnsignedInt(r.getShort(at));
            int type = Short.toUnsignedInt(r.getShort(at + 2)) & 0x3fff;
            if (length < 4) break;
            switch (type) {
                case RTA_OIF -> oif = r.getInt(at + 4);
                case RTA_GATEWAY -> gateway = address(r, at + 4, length - 4);
                case RTA_PREFSRC -> source = address(r, at + 4, length - 4);
                case RTA_METRICS -> {
                    for (int m = at + 4; m + 8 <= at + length; ) {
                        int mLength = Short.toUnsignedInt(r.getShort(m));
                        if (mLength < 4) break;
                        if ((r.getShort(m + 2) & 0x3fff) == RTAX_MTU) mtu = r.getInt(m + 4);
                        m += align(mLength);
                    }
                }
                default -> { }
            }
            at += align(length);
        }
        if (oif == 0) throw new IOException("no output interface in the route to " + destination.getHostAddress());
        String device = Interfaces.name(oif);
        if (mtu == 0) mtu = Interfaces.mtu(device);
        return new Route(device, gateway, source, mtu);
    }

    @Override
    public synchronized byte[] lookup(InetAddress address, String interfaceName) {
        int index = Interfaces.indexOrZero(interfaceName);
        if (index == 0) return null;
        ByteBuffer q = request(RTM_GETNEIGH);
        q.put((byte) family(address)).put((byte) 0).putShort((short) 0).putInt(index); // ndmsg
        q.putShort((short) 0).put((byte) 0).put((byte) 0);
        attribute(q, NDA_DST, address.getAddress());
        try {
            ByteBuffer r = ask(q, RTM_NEWNEIGH, "no neighbour entry");
            int state = Short.toUnsignedInt(r.getShort(r.position() + 8));
            if ((state & (NUD_INCOMPLETE | NUD_FAILED)) != 0) return null;
            for (int at = r.position() + 12; at + 4 <= r.limit(); ) {
                int length = Short.toUnsignedInt(r.getShort(at));
                if (length < 4) break;
                if ((r.getShort(at + 2) & 0x3fff) == NDA_LLADDR && length - 4 == 6) {
                    byte[] mac = new byte[6];
                    r.get(at + 4, mac);
                    boolean zero = true;
                    for (byte b : mac) zero &= b == 0;
                    return zero ? null : mac;
                }
                at += align(length);
            }
            return null;
        } catch (IOException e) {
            return null; // ENOENT: the kernel knows nothing (yet)
        }
    }

    /**
     * Subscribes to RTNLGRP_NEIGH on a socket of its own, read by a daemon thread ("jvs-neighbours"): each
     * RTM_NEWNEIGH with a usable state and a MAC goes to {@code listener}.
     */
    @Override
    public AutoCloseable watch(Listener listener) {
        Libc.Functions c = Libc.functions();
        int socket = c.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        if (socket < 0) return () -> { };
        byte[] address = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putShort((short) AF_NETLINK)
                .putShort((short) 0).putInt(0).putInt(1 << (RTNLGRP_NEIGH - 1)).array();
        if (c.bind(socket, address, address.length) != 0) {
            c.close(socket);
            return () -> { };
        }
        java.util.concurrent.atomic.AtomicBoolean open = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread reader = new Thread(() -> {
            byte[] events = new byte[64 * 1024];
            int[] poll = {socket, POLLIN};
            while (open.get()) {
                poll[1] = POLLIN;
                if (c.poll(poll, 1, 500) <= 0) continue;
                long n = c.read(socket, events, events.length);
                if (n <= 0) continue; // ENOBUFS after an overflow: the polling lookups catch up
                ByteBuffer r = ByteBuffer.wrap(events, 0, (int) n).order(ByteOrder.LITTLE_ENDIAN);
                for (int at = 0; at + 16 <= n; ) {
                    int length = r.getInt(at);
                    if (length < 16 || at + length > n) break;
                    if (Short.toUnsignedInt(r.getShort(at + 4)) == RTM_NEWNEIGH && length >= 16 + 12) {
                        neighbourEvent(r, at + 16, at + length, listener);
                    }
                    at += align(length);
                }
            }
            c.close(socket);
        }, "jvs-neighbours");
        reader.setDaemon(true);
        reader.start();
        return () -> open.set(false);
    }

    private static void neighbourEvent(ByteBuffer r, int ndmsg, int end, Listener listener) {
        int state = Short.toUnsignedInt(r.getShort(ndmsg + 8));
        if ((state & (NUD_INCOMPLETE | NUD_FAILED)) != 0) return;
        int ifIndex = r.getInt(ndmsg + 4);
        InetAddress destination = null;
        byte[] mac = null;
        for (int at = ndmsg + 12; at + 4 <= end; ) {
            int length = Short.toUnsignedInt(r.getShort(at));
            if (length < 4) break;
            int type = r.getShort(at + 2) & 0x3fff;
            try {
                if (type == NDA_DST) destination = address(r, at + 4, length - 4);
            } catch (IOException e) {
                return;
            }
            if (type == NDA_LLADDR && length - 4 == 6) {
                mac = new byte[6];
                r.get(at + 4, mac);
            }
            at += align(length);
        }
        if (destination == null || mac == null || ifIndex <= 0) return;
        try {
            listener.changed(destination, Interfaces.name(ifIndex), mac);
        } catch (IllegalArgumentException e) {
            // the interface went away meanwhile
        }
    }

    @Override
    public synchronized void close() {
        Libc.functions().close(fd);
    }

    private ByteBuffer request(int type) {
        ByteBuffer q = ByteBuffer.allocate(128).order(ByteOrder.LITTLE_ENDIAN);
        q.putInt(0).putShort((short) type).putShort((short) NLM_F_REQUEST).putInt(++sequence).putInt(0);
        return q;
    }

    private static void attribute(ByteBuffer q, int type, byte[] value) {
        q.putShort((short) (4 + value.length)).putShort((short) type).put(value);
        while (q.position() % 4 != 0) q.put((byte) 0);
    }

    /** Sends the request; the answer's payload (past its nlmsghdr) as a little-endian buffer. */
    private ByteBuffer ask(ByteBuffer q, int answerType, String notFound) throws IOException {
        q.putInt(0, q.position());
        Libc.Functions c = Libc.functions();
        if (c.write(fd, q.array(), q.position()) != q.position()) {
            throw new IOException("netlink request failed: " + Libc.describe(Libc.lastErrno()));
        }
        while (true) {
            if (c.poll(pollFd, 1, 2000) <= 0) throw new IOException("no answer from the kernel over netlink");
            pollFd[1] = POLLIN;
            long n = c.read(fd, buffer, buffer.length);
            if (n < 16) throw new IOException("netlink read failed: " + Libc.describe(Libc.lastErrno()));
            ByteBuffer r = ByteBuffer.wrap(buffer, 0, (int) n).order(ByteOrder.LITTLE_ENDIAN);
            for (int at = 0; at + 16 <= n; ) {
                int length = r.getInt(at);
                int type = Short.toUnsignedInt(r.getShort(at + 4));
                int seq = r.getInt(at + 8);
                if (length < 16 || at + length > n) break;
                if (seq == sequence) {
                    if (type == NLMSG_ERROR) {
                        int errno = -r.getInt(at + 16);
                        throw new IOException(notFound + ": " + Libc.describe(errno));
                    }
                    if (type == answerType) {
                        return ByteBuffer.wrap(buffer, at + 16, length - 16).slice().order(ByteOrder.LITTLE_ENDIAN);
                    }
                }
                at += align(length);
            }
        }
    }

    private static int align(int length) {
        return (length + 3) & ~3;
    }

    private static int family(InetAddress a) {
        return a instanceof Inet4Address ? AF_INET : AF_INET6;
    }

    private static InetAddress address(ByteBuffer r, int at, int length) throws IOException {
        byte[] a = new byte[length];
        r.get(at, a);
        return InetAddress.getByAddress(a);
    }
}

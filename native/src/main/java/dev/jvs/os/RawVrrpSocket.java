package dev.jvs.os;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * A raw IP socket for protocol 112, bound to one interface: TTL/hop limit 255 on send,
 * multicast group joined, own multicast not looped back. IPv4 reads include the IP header
 * (source, destination, TTL); IPv6 reads get the hop limit and destination from ancillary data,
 * and the kernel computes and verifies the VRRPv3 checksum (IPV6_CHECKSUM).
 */
final class RawVrrpSocket implements VrrpSocket {

    static final int IPPROTO_VRRP = 112;
    private static final int RECEIVE_TIMEOUT_MILLIS = 200;
    private static final int BUFFER_SIZE = 2048;

    private final int fd;       // receives: unbound, since a bound raw socket only sees packets to its address
    private int sendFd = -1;    // sends: bound to the source address so adverts carry it
    private final boolean ipv6;
    private final int ifIndex;
    private volatile boolean closed;

    private RawVrrpSocket(int fd, boolean ipv6, int ifIndex) {
        this.fd = fd;
        this.ipv6 = ipv6;
        this.ifIndex = ifIndex;
    }

    private void openSender(int family, byte[] bindAddress, String ifName, String source) throws IOException {
        sendFd = check(NetCalls.functions().socket(family, NetCalls.SOCK_RAW, IPPROTO_VRRP), "socket(SOCK_RAW, 112)");
        byte[] name = Arrays.copyOf(ifName.getBytes(), Libc.IF_NAMESIZE);
        check(NetCalls.functions().setsockopt(sendFd, NetCalls.SOL_SOCKET, NetCalls.SO_BINDTODEVICE, name, name.length),
                "setsockopt SO_BINDTODEVICE " + ifName);
        check(NetCalls.functions().bind(sendFd, bindAddress, bindAddress.length), "bind(" + source + ")");
        byte[] tiny = NetCalls.intValue(1); // nothing is ever read from the sending socket
        NetCalls.functions().setsockopt(sendFd, NetCalls.SOL_SOCKET, SO_RCVBUF, tiny, 4);
    }

    private static final int SO_RCVBUF = 8;

    static RawVrrpSocket openIpv4(String ifName, Inet4Address source, InetAddress group, int ttl) throws IOException {
        int ifIndex = Interfaces.index(ifName);
        int fd = check(NetCalls.functions().socket(NetCalls.AF_INET, NetCalls.SOCK_RAW, IPPROTO_VRRP), "socket(AF_INET, SOCK_RAW, 112)");
        RawVrrpSocket s = new RawVrrpSocket(fd, false, ifIndex);
        try {
            s.openSender(NetCalls.AF_INET, sockaddrIn(source), ifName, source.getHostAddress());
            s.common(ifName);
            s.option(NetCalls.IPPROTO_IP, NetCalls.IP_TTL, NetCalls.intValue(ttl), "IP_TTL");
            s.option(NetCalls.IPPROTO_IP, NetCalls.IP_MULTICAST_TTL, NetCalls.intValue(255), "IP_MULTICAST_TTL");
            s.option(NetCalls.IPPROTO_IP, NetCalls.IP_MULTICAST_LOOP, NetCalls.intValue(0), "IP_MULTICAST_LOOP");
            byte[] mreqn = new byte[12]; // struct ip_mreqn: group, local address, ifindex
            System.arraycopy(source.getAddress(), 0, mreqn, 4, 4);
            System.arraycopy(NetCalls.intValue(ifIndex), 0, mreqn, 8, 4);
            s.option(NetCalls.IPPROTO_IP, NetCalls.IP_MULTICAST_IF, mreqn, "IP_MULTICAST_IF");
            if (group != null) {
                System.arraycopy(group.getAddress(), 0, mreqn, 0, 4);
                s.option(NetCalls.IPPROTO_IP, NetCalls.IP_ADD_MEMBERSHIP, mreqn, "IP_ADD_MEMBERSHIP");
            }
            return s;
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    static RawVrrpSocket openIpv6(String ifName, Inet6Address source, InetAddress group, int hops) throws IOException {
        int ifIndex = Interfaces.index(ifName);
        int fd = check(NetCalls.functions().socket(NetCalls.AF_INET6, NetCalls.SOCK_RAW, IPPROTO_VRRP), "socket(AF_INET6, SOCK_RAW, 112)");
        RawVrrpSocket s = new RawVrrpSocket(fd, true, ifIndex);
        try {
            s.openSender(NetCalls.AF_INET6, sockaddrIn6(source, ifIndex), ifName, source.getHostAddress());
            s.common(ifName);
            s.option(NetCalls.IPPROTO_IPV6, NetCalls.IPV6_CHECKSUM, NetCalls.intValue(6), "IPV6_CHECKSUM");
            s.option(NetCalls.IPPROTO_IPV6, NetCalls.IPV6_UNICAST_HOPS, NetCalls.intValue(hops), "IPV6_UNICAST_HOPS");
            s.option(NetCalls.IPPROTO_IPV6, NetCalls.IPV6_MULTICAST_HOPS, NetCalls.intValue(255), "IPV6_MULTICAST_HOPS");
            s.option(NetCalls.IPPROTO_IPV6, NetCalls.IPV6_MULTICAST_LOOP, NetCalls.intValue(0), "IPV6_MULTICAST_LOOP");
            s.option(NetCalls.IPPROTO_IPV6, NetCalls.IPV6_MULTICAST_IF, NetCalls.intValue(ifIndex), "IPV6_MULTICAST_IF");
            s.option(NetCalls.IPPROTO_IPV6, NetCalls.IPV6_RECVHOPLIMIT, NetCalls.intValue(1), "IPV6_RECVHOPLIMIT");
            s.option(NetCalls.IPPROTO_IPV6, NetCalls.IPV6_RECVPKTINFO, NetCalls.intValue(1), "IPV6_RECVPKTINFO");
            if (group != null) {
                byte[] mreq = new byte[20]; // struct ipv6_mreq: group, ifindex
                System.arraycopy(group.getAddress(), 0, mreq, 0, 16);
                System.arraycopy(NetCalls.intValue(ifIndex), 0, mreq, 16, 4);
                s.option(NetCalls.IPPROTO_IPV6, NetCalls.IPV6_ADD_MEMBERSHIP, mreq, "IPV6_ADD_MEMBERSHIP");
            }
            return s;
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    private void common(String ifName) throws IOException {
        byte[] name = Arrays.copyOf(ifName.getBytes(), Libc.IF_NAMESIZE);
        option(NetCalls.SOL_SOCKET, NetCalls.SO_BINDTODEVICE, name, "SO_BINDTODEVICE " + ifName);
        byte[] timeval = new byte[16]; // struct timeval: tv_sec, tv_usec (both long)
        long usec = RECEIVE_TIMEOUT_MILLIS * 1000L;
        for (int i = 0; i < 8; i++) timeval[8 + i] = (byte) (usec >>> (8 * i));
        option(NetCalls.SOL_SOCKET, NetCalls.SO_RCVTIMEO, timeval, "SO_RCVTIMEO");
    }

    private void option(int level, int name, byte[] value, String what) throws IOException {
        check(NetCalls.functions().setsockopt(fd, level, name, value, value.length), "setsockopt " + what);
        if (sendFd >= 0) {
            check(NetCalls.functions().setsockopt(sendFd, level, name, value, value.length), "setsockopt " + what);
        }
    }

    private static int check(int result, String what) throws IOException {
        if (result < 0) throw new IOException(what + " failed: " + Libc.describe(NetCalls.lastErrno()));
        return result;
    }

    static byte[] sockaddrIn(InetAddress address) {
        byte[] sa = new byte[16];
        sa[0] = (byte) NetCalls.AF_INET;
        System.arraycopy(address.getAddress(), 0, sa, 4, 4);
        return sa;
    }

    static byte[] sockaddrIn6(InetAddress address, int scopeId) {
        byte[] sa = new byte[28];
        sa[0] = (byte) NetCalls.AF_INET6;
        System.arraycopy(address.getAddress(), 0, sa, 8, 16);
        if (address.isLinkLocalAddress() || address.isMulticastAddress()) System.arraycopy(NetCalls.intValue(scopeId), 0, sa, 24, 4);
        return sa;
    }

    @Override
    public void send(byte[] vrrpMessage, InetAddress destination) throws IOException {
        byte[] to = ipv6 ? sockaddrIn6(destination, ifIndex) : sockaddrIn(destination);
        byte[] message = vrrpMessage;
        if (ipv6) {
            message = vrrpMessage.clone();
            message[6] = 0; // IPV6_CHECKSUM: the kernel fills it in
            message[7] = 0;
        }
        long sent = NetCalls.functions().sendto(sendFd, message, message.length, 0, to, to.length);
        if (sent < 0) throw new IOException("sendto " + destination.getHostAddress() + " failed: " + Libc.describe(NetCalls.lastErrno()));
    }

    @Override
    public Received receive() throws IOException {
        return ipv6 ? receiveIpv6() : receiveIpv4();
    }

    private Received receiveIpv4() throws IOException {
        byte[] buffer = new byte[BUFFER_SIZE];
        byte[] from = new byte[16];
        int[] fromLength = {from.length};
        long n = NetCalls.functions().recvfrom(fd, buffer, buffer.length, 0, from, fromLength);
        if (n < 0) return timeoutOrFail();
        int headerLength = (buffer[0] & 0x0f) * 4;
        if (n < headerLength + 8) return null; // not even a VRRP header: drop quietly
        int ttl = buffer[8] & 0xff;
        InetAddress source = address(buffer, 12, 4);
        InetAddress destination = address(buffer, 16, 4);
        int totalLength = ((buffer[2] & 0xff) << 8) | (buffer[3] & 0xff);
        int end = (int) Math.min(n, totalLength); // Ethernet padding may follow the datagram
        return new Received(Arrays.copyOfRange(buffer, headerLength, end), source, destination, ttl);
    }

    private Received receiveIpv6() throws IOException {
        jnr.ffi.Runtime rt = NetCalls.runtime();
        Pointer data = Memory.allocateDirect(rt, BUFFER_SIZE);
        Pointer name = Memory.allocateDirect(rt, 28);
        Pointer control = Memory.allocateDirect(rt, 256);
        Pointer iov = Memory.allocateDirect(rt, 16);
        iov.putAddress(0, data.address());
        iov.putLong(8, BUFFER_SIZE);
        Pointer msg = Memory.allocateDirect(rt, 56); // struct msghdr on LP64
        msg.putAddress(0, name.address());
        msg.putInt(8, 28);
        msg.putAddress(16, iov.address());
        msg.putLong(24, 1);
        msg.putAddress(32, control.address());
        msg.putLong(40, 256);
        msg.putInt(48, 0);
        long n = NetCalls.functions().recvmsg(fd, msg, 0);
        if (n < 0) return timeoutOrFail();
        byte[] from = new byte[28];
        name.get(0, from, 0, 28);
        InetAddress source = address(from, 8, 16);
        InetAddress destination = null;
        int hops = -1;
        long controlLength = msg.getLong(40);
        long at = 0;
        while (at + 16 <= controlLength) { // struct cmsghdr: len (size_t), level, type, data
            long length = control.getLong(at);
            int level = control.getInt(at + 8);
            int type = control.getInt(at + 12);
            if (length < 16) break;
            if (level == NetCalls.IPPROTO_IPV6 && type == NetCalls.IPV6_HOPLIMIT) hops = control.getInt(at + 16);
            if (level == NetCalls.IPPROTO_IPV6 && type == NetCalls.IPV6_PKTINFO) {
                byte[] dst = new byte[16];
                control.get(at + 16, dst, 0, 16);
                destination = address(dst, 0, 16);
            }
            at += (length + 7) & ~7L;
        }
        byte[] payload = new byte[(int) n];
        data.get(0, payload, 0, (int) n);
        return new Received(payload, source, destination, hops);
    }

    private Received timeoutOrFail() throws IOException {
        int errno = NetCalls.lastErrno();
        if (errno == NetCalls.EAGAIN || errno == NetCalls.EINTR || closed) return null;
        throw new IOException("receive failed: " + Libc.describe(errno));
    }

    private static InetAddress address(byte[] bytes, int offset, int length) {
        try {
            return InetAddress.getByAddress(Arrays.copyOfRange(bytes, offset, offset + length));
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            NetCalls.functions().close(fd);
            if (sendFd >= 0) NetCalls.functions().close(sendFd);
        }
    }
}

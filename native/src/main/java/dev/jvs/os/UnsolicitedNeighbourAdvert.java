package dev.jvs.os;

import java.io.IOException;
import java.net.InetAddress;

/** One unsolicited neighbour advertisement (RFC 4861 §7.2.6) to all nodes, Override flag set. */
final class UnsolicitedNeighbourAdvert {

    private UnsolicitedNeighbourAdvert() {}

    static void send(String ifName, byte[] mac, InetAddress address) throws IOException {
        int ifIndex = Interfaces.index(ifName);
        int fd = NetCalls.functions().socket(NetCalls.AF_INET6, NetCalls.SOCK_RAW, NetCalls.IPPROTO_ICMPV6);
        if (fd < 0) throw new IOException("socket(AF_INET6, ICMPv6) failed: " + Libc.describe(NetCalls.lastErrno()));
        try {
            byte[] hops = NetCalls.intValue(255); // receivers drop NDP not sent with hop limit 255
            NetCalls.functions().setsockopt(fd, NetCalls.IPPROTO_IPV6, NetCalls.IPV6_MULTICAST_HOPS, hops, 4);
            NetCalls.functions().setsockopt(fd, NetCalls.IPPROTO_IPV6, NetCalls.IPV6_MULTICAST_IF, NetCalls.intValue(ifIndex), 4);
            byte[] na = new byte[32];
            na[0] = (byte) 136;   // neighbour advertisement; checksum left to the kernel
            na[4] = 0x20;         // Override
            System.arraycopy(address.getAddress(), 0, na, 8, 16);
            na[24] = 2;           // option: target link-layer address
            na[25] = 1;           // length in units of 8 bytes
            System.arraycopy(mac, 0, na, 26, 6);
            byte[] to = RawVrrpSocket.sockaddrIn6(InetAddress.getByName("ff02::1"), ifIndex);
            if (NetCalls.functions().sendto(fd, na, na.length, 0, to, to.length) < 0) {
                throw new IOException("unsolicited NA for " + address.getHostAddress() + " failed: "
                        + Libc.describe(NetCalls.lastErrno()));
            }
        } finally {
            NetCalls.functions().close(fd);
        }
    }
}

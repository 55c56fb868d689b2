package dev.jvs.os;

import java.io.IOException;
import java.net.InetAddress;
import java.util.Arrays;

/** One gratuitous ARP request: sender and target IP are the address, sent to the Ethernet broadcast. */
final class GratuitousArp {

    static final int ETH_P_ARP = 0x0806;

    private GratuitousArp() {}

    static byte[] frame(byte[] mac, InetAddress address) {
        byte[] arp = new byte[28];
        arp[1] = 1;            // hardware type: Ethernet
        arp[2] = 0x08;         // protocol type: IPv4
        arp[4] = 6;            // hardware address length
        arp[5] = 4;            // protocol address length
        arp[7] = 1;            // operation: request
        System.arraycopy(mac, 0, arp, 8, 6);
        System.arraycopy(address.getAddress(), 0, arp, 14, 4);
        Arrays.fill(arp, 18, 24, (byte) 0xff);
        System.arraycopy(address.getAddress(), 0, arp, 24, 4);
        return arp;
    }

    static void send(String ifName, byte[] mac, InetAddress address) throws IOException {
        int protocol = Short.toUnsignedInt(Short.reverseBytes((short) ETH_P_ARP));
        int fd = NetCalls.functions().socket(NetCalls.AF_PACKET, NetCalls.SOCK_DGRAM, protocol);
        if (fd < 0) throw new IOException("socket(AF_PACKET) failed: " + Libc.describe(NetCalls.lastErrno()));
        try {
            byte[] ll = new byte[20]; // struct sockaddr_ll
            ll[0] = (byte) NetCalls.AF_PACKET;
            ll[2] = (byte) (ETH_P_ARP >>> 8);
            ll[3] = (byte) ETH_P_ARP;
            System.arraycopy(NetCalls.intValue(Interfaces.index(ifName)), 0, ll, 4, 4);
            ll[11] = 6;
            Arrays.fill(ll, 12, 18, (byte) 0xff);
            byte[] arp = frame(mac, address);
            if (NetCalls.functions().sendto(fd, arp, arp.length, 0, ll, ll.length) < 0) {
                throw new IOException("gratuitous ARP for " + address.getHostAddress() + " on " + ifName + " failed: "
                        + Libc.describe(NetCalls.lastErrno()));
            }
        } finally {
            NetCalls.functions().close(fd);
        }
    }
}

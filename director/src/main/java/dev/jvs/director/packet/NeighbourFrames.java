package dev.jvs.director.packet;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;

/** ARP requests and IPv6 neighbour solicitations, for next hops the kernel has no entry for. */
final class NeighbourFrames {

    private NeighbourFrames() {}

    /** @return the frame length written at the start of {@code out}, or 0 if the addresses do not fit */
    static int arpRequest(ByteBuffer out, byte[] ourMac, InetAddress ourAddress, InetAddress target) {
        if (!(ourAddress instanceof Inet4Address) || !(target instanceof Inet4Address)) return 0;
        for (int i = 0; i < 6; i++) out.put(i, (byte) 0xff);
        out.put(6, ourMac);
        out.putShort(12, (short) 0x0806);
        int a = 14;
        out.putShort(a, (short) 1);          // Ethernet
        out.putShort(a + 2, (short) 0x0800); // IPv4
        out.put(a + 4, (byte) 6);
        out.put(a + 5, (byte) 4);
        out.putShort(a + 6, (short) 1);      // request
        out.put(a + 8, ourMac);
        out.put(a + 14, ourAddress.getAddress());
        for (int i = 0; i < 6; i++) out.put(a + 18 + i, (byte) 0);
        out.put(a + 24, target.getAddress());
        for (int i = a + 28; i < 60; i++) out.put(i, (byte) 0); // pad to the Ethernet minimum
        return 60;
    }

    static int solicitation(ByteBuffer out, byte[] ourMac, InetAddress ourAddress, InetAddress target) {
        if (!(ourAddress instanceof Inet6Address) || !(target instanceof Inet6Address)) return 0;
        byte[] t = target.getAddress();
        // solicited-node multicast ff02::1:ffXX:XXXX and its MAC 33:33:ff:XX:XX:XX
        byte[] group = new byte[16];
        group[0] = (byte) 0xff;
        group[1] = 0x02;
        group[11] = 0x01;
        group[12] = (byte) 0xff;
        group[13] = t[13];
        group[14] = t[14];
        group[15] = t[15];
        out.put(0, new byte[] {0x33, 0x33, (byte) 0xff, t[13], t[14], t[15]});
        out.put(6, ourMac);
        out.putShort(12, (short) 0x86dd);
        int ip = 14;
        int icmp = ip + 40;
        int icmpLength = 32;
        out.putInt(ip, 0x60000000);
        out.putShort(ip + 4, (short) icmpLength);
        out.put(ip + 6, (byte) 58);
        out.put(ip + 7, (byte) 255);
        out.put(ip + 8, ourAddress.getAddress());
        out.put(ip + 24, group);
        out.put(icmp, (byte) 135);
        out.put(icmp + 1, (byte) 0);
        out.putShort(icmp + 2, (short) 0);
        out.putInt(icmp + 4, 0);
        out.put(icmp + 8, t);
        out.put(icmp + 24, (byte) 1); // source link-layer address option
        out.put(icmp + 25, (byte) 1);
        out.put(icmp + 26, ourMac);
        // checksum over the pseudo-header (addresses, length, next header) and the message
        long sum = Bytes.sum(out, ip + 8, 32, 0) + icmpLength + 58;
        sum = Bytes.sum(out, icmp, icmpLength, sum);
        out.putShort(icmp + 2, (short) Bytes.fold(sum));
        return icmp + icmpLength;
    }
}

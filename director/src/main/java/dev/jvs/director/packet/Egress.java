package dev.jvs.director.packet;

import dev.jvs.director.net.AddressWords;
import dev.jvs.director.rules.Dest;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * How frames reach one real server: the port to send on, the next hop whose MAC goes into the frame and, for
 * tunnels, the outer addresses and the path MTU. The MAC is filled in by the packet thread once known.
 */
final class Egress {

    final Dest dest;
    final int portIndex;
    final InetAddress nextHop;
    final InetAddress localAddress;
    final int mtu;
    final boolean tunnel;
    final int localIpv4;
    final int realServerIpv4;
    final byte[] sourceMac;
    final byte[] mac = new byte[6];
    boolean resolved;
    long lastRequestNanos;

    Egress(Dest dest, int portIndex, byte[] sourceMac, InetAddress nextHop, InetAddress localAddress, int mtu,
           boolean tunnel) {
        this.dest = dest;
        this.sourceMac = sourceMac;
        this.portIndex = portIndex;
        this.nextHop = nextHop;
        this.localAddress = localAddress;
        this.mtu = mtu;
        this.tunnel = tunnel;
        this.localIpv4 = localAddress instanceof Inet4Address ? AddressWords.ipv4(localAddress) : 0;
        InetAddress rs = dest.config().address();
        this.realServerIpv4 = rs instanceof Inet4Address ? AddressWords.ipv4(rs) : 0;
    }

    void learn(byte[] source, int offset) {
        System.arraycopy(source, offset, mac, 0, 6);
        resolved = true;
    }
}

package dev.jvs.os;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;

/**
 * Tells the segment that an address now lives here: a gratuitous ARP request (IPv4) or an
 * unsolicited neighbour advertisement (IPv6), sent with the interface's own MAC.
 */
public interface AddressAnnouncer {

    void announce(String ifName, InetAddress address) throws IOException;

    /** The real one: AF_PACKET for ARP, a raw ICMPv6 socket for NA (needs CAP_NET_RAW). */
    static AddressAnnouncer system() {
        return (ifName, address) -> {
            NetworkInterface nic = NetworkInterface.getByName(ifName);
            if (nic == null) throw new IOException("no interface " + ifName);
            byte[] mac = nic.getHardwareAddress();
            if (mac == null || mac.length != 6) return; // no link layer (e.g. loopback): nothing to announce
            if (address instanceof Inet4Address) GratuitousArp.send(ifName, mac, address);
            else UnsolicitedNeighbourAdvert.send(ifName, mac, address);
        };
    }
}

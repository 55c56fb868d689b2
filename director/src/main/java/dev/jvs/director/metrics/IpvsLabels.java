package dev.jvs.director.metrics;

import dev.jvs.model.RealServerConfig;
import dev.jvs.model.ServiceKey;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * The node_exporter ipvs collector's label values, as it derives them from {@code /proc/net/ip_vs}: addresses in
 * Go's {@code net.IP.String()} form (dotted IPv4, RFC 5952 IPv6: lower case, the longest run of two or more zero
 * groups as {@code ::}), decimal ports, {@code proto} TCP/UDP/SCTP, and for a fwmark service {@code proto="FWM"},
 * an empty {@code local_address}, {@code local_port="0"} and {@code local_mark} the mark as eight upper-case hex
 * digits (the kernel prints {@code FWM  %08X}); {@code local_mark} is empty for address services.
 */
final class IpvsLabels {

    /** The collector's label names, in its order. */
    static final String[] BACKEND = {"local_address", "local_port", "remote_address", "remote_port", "proto", "local_mark"};
    /** The service part of {@link #BACKEND}, for JVS's per-service series. */
    static final String[] SERVICE = {"local_address", "local_port", "proto", "local_mark"};

    private IpvsLabels() {
    }

    static String[] service(ServiceKey key) {
        if (key.isFwmark()) return new String[] {"", "0", "FWM", String.format("%08X", key.fwmark())};
        return new String[] {address(key.address()), Integer.toString(key.port()), key.protocol().label(), ""};
    }

    static String[] backend(ServiceKey key, RealServerConfig server) {
        String[] s = service(key);
        return new String[] {s[0], s[1], address(server.address()), Integer.toString(server.port()), s[2], s[3]};
    }

    /** Go's {@code net.IP.String()}. */
    static String address(InetAddress address) {
        if (address instanceof Inet4Address) return address.getHostAddress();
        byte[] b = address.getAddress();
        // an IPv4-mapped address prints dotted in Go (Java already returns those as Inet4Address)
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) groups[i] = (b[2 * i] & 0xff) << 8 | (b[2 * i + 1] & 0xff);
        int bestStart = -1;
        int bestLength = 0;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) j++;
            if (j - i > bestLength) { // the first of equally long runs wins
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        if (bestLength < 2) bestStart = -1; // a single zero group stays "0"
        StringBuilder out = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLength - 1;
                continue;
            }
            if (out.length() > 0 && out.charAt(out.length() - 1) != ':') out.append(':');
            out.append(Integer.toHexString(groups[i]));
        }
        return out.toString();
    }
}

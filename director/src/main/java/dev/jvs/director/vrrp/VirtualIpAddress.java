package dev.jvs.director.vrrp;

import java.net.InetAddress;

/**
 * One {@code virtual_ipaddress} entry.
 *
 * @param device  {@code dev IF}, or null for the instance's interface
 * @param label   {@code label IF:TAG} (IPv4 only), or null
 * @param noTrack {@code no_track}: deleting it externally does not matter to the instance
 */
public record VirtualIpAddress(InetAddress address, int prefixLength, String device, String label, boolean noTrack) {

    public String deviceOr(String instanceInterface) {
        return device != null ? device : instanceInterface;
    }
}

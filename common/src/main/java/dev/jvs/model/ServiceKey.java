package dev.jvs.model;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Objects;

/**
 * Identity of a virtual service: protocol + address + port, or a firewall mark (with its address family).
 * For a fwmark service {@code address} is null, {@code port} is 0 and the protocol is TCP, as ipvsadm sends it.
 */
public record ServiceKey(Protocol protocol, InetAddress address, int port, long fwmark, boolean ipv6) {

    public ServiceKey {
        Objects.requireNonNull(protocol, "protocol");
        if (fwmark == 0) {
            Objects.requireNonNull(address, "address");
            ipv6 = address instanceof Inet6Address;
        } else if (address != null) {
            throw new IllegalArgumentException("a fwmark service has no address");
        }
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port " + port);
    }

    public static ServiceKey of(Protocol protocol, InetAddress address, int port) {
        return new ServiceKey(protocol, address, port, 0, address instanceof Inet6Address);
    }

    public static ServiceKey fwmark(long mark, boolean ipv6) {
        return new ServiceKey(Protocol.TCP, null, 0, mark, ipv6);
    }

    public boolean isFwmark() { return fwmark != 0; }
}

package dev.jvs.model;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A real server's settings, exactly what {@code ipvsadm -a/-e} sends (edits are full replacements),
 * plus JVS's own NAT options.
 *
 * @param port           real-server port (0 for fwmark services = the packet's port)
 * @param upperThreshold {@code -x}, 0 = none
 * @param lowerThreshold {@code -y}, 0 = none
 * @param tunnelPort     {@code --tun-port}, 0 when not set
 * @param clientIp       JVS extension: how a NAT real server learns the client address
 */
public record RealServerConfig(InetAddress address, int port, ForwardMethod method, int weight,
                               int upperThreshold, int lowerThreshold,
                               TunnelType tunnelType, int tunnelPort, TunnelChecksum tunnelChecksum,
                               ClientIpMode clientIp) {

    public static final int DEFAULT_WEIGHT = 1;

    public RealServerConfig {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(tunnelType, "tunnelType");
        Objects.requireNonNull(tunnelChecksum, "tunnelChecksum");
        Objects.requireNonNull(clientIp, "clientIp");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port " + port);
    }

    /** A real server with ipvsadm's defaults for everything but address, port and method. */
    public static RealServerConfig of(InetAddress address, int port, ForwardMethod method, int weight) {
        return new RealServerConfig(address, port, method, weight, 0, 0,
                TunnelType.IPIP, 0, TunnelChecksum.NOCSUM, ClientIpMode.NONE);
    }

    /** The identity of a real server within its service. */
    public InetSocketAddress socketAddress() { return new InetSocketAddress(address, port); }

    public boolean sameEndpoint(RealServerConfig other) {
        return address.equals(other.address) && port == other.port;
    }
}

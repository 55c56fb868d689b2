package dev.jvs.os;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * Sends and receives VRRP (IP protocol 112) on one interface. The small surface the VRRP code
 * depends on, so that tests can replace the privileged implementation ({@link RawVrrpSocket}).
 */
public interface VrrpSocket extends AutoCloseable {

    /** One received message: the VRRP payload and the IP facts around it. */
    record Received(byte[] payload, InetAddress source, InetAddress destination, int ttl) {}

    void send(byte[] vrrpMessage, InetAddress destination) throws IOException;

    /** The next message, or {@code null} after a short timeout, so callers can notice shutdown. */
    Received receive() throws IOException;

    @Override
    void close();

    /** How a real instance opens its socket. */
    interface Opener {
        VrrpSocket open(String ifName, InetAddress source, InetAddress multicastGroup, int ttl) throws IOException;
    }

    /** The raw-socket opener (needs CAP_NET_RAW). */
    static VrrpSocket openRaw(String ifName, InetAddress source, InetAddress multicastGroup, int ttl) throws IOException {
        if (source instanceof Inet4Address) return RawVrrpSocket.openIpv4(ifName, (Inet4Address) source, multicastGroup, ttl);
        return RawVrrpSocket.openIpv6(ifName, (Inet6Address) source, multicastGroup, ttl);
    }
}

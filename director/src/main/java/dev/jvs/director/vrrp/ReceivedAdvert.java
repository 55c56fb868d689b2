package dev.jvs.director.vrrp;

import java.net.InetAddress;

/**
 * A VRRP message as it came off the wire, with the IP-level facts validation needs.
 *
 * @param payload     the VRRP message (IP header stripped)
 * @param source      IP source address
 * @param destination IP destination address (multicast group or our unicast address)
 * @param ttl         IPv4 TTL or IPv6 hop limit
 */
public record ReceivedAdvert(byte[] payload, InetAddress source, InetAddress destination, int ttl) {}

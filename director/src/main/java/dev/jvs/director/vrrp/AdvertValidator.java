package dev.jvs.director.vrrp;

import dev.jvs.director.vrrp.VrrpPacket.AuthType;
import dev.jvs.director.vrrp.VrrpPacket.MalformedPacketException;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.security.MessageDigest;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;

/**
 * Receive-side checks, in the order keepalived applies them, so that what JVS drops (and why)
 * matches what an operator already knows from keepalived's logs.
 */
public final class AdvertValidator {

    static final int VRRP_TTL = 255;

    /** The outcome: an accepted advertisement, or the reason it was dropped. */
    public record Verdict(VrrpPacket packet, String rejection, boolean otherRouter) {
        static Verdict accept(VrrpPacket p) { return new Verdict(p, null, false); }
        static Verdict reject(String why) { return new Verdict(null, why, false); }
        /** Not an error: a different virtual router shares the wire. */
        static Verdict notOurs(String why) { return new Verdict(null, why, true); }
        public boolean accepted() { return packet != null; }
    }

    private final int version;
    private final int virtualRouterId;
    private final AuthType authType;
    private final byte[] authData;
    private final int advertIntervalCentis;
    private final boolean unicast;
    private final boolean ipv6;
    private final boolean v3ChecksumAsV2;
    private final Set<InetAddress> allowedUnicastSources; // empty: any source
    private final List<InetAddress> virtualAddresses;
    private final LongAdder dropped = new LongAdder();

    public AdvertValidator(int version, int virtualRouterId, AuthType authType, byte[] authData,
                           int advertIntervalCentis, boolean unicast, boolean ipv6, boolean v3ChecksumAsV2,
                           Set<InetAddress> allowedUnicastSources, List<InetAddress> virtualAddresses) {
        this.virtualAddresses = List.copyOf(virtualAddresses);
        this.version = version;
        this.virtualRouterId = virtualRouterId;
        this.authType = authType;
        this.authData = authData.clone();
        this.advertIntervalCentis = advertIntervalCentis;
        this.unicast = unicast;
        this.ipv6 = ipv6;
        this.v3ChecksumAsV2 = v3ChecksumAsV2;
        this.allowedUnicastSources = Set.copyOf(allowedUnicastSources);
    }

    /** Checks one received advert; every rejection (not another router's advert) is counted in {@link #dropped()}. */
    public Verdict check(ReceivedAdvert received) {
        Verdict v = evaluate(received);
        if (!v.accepted() && !v.otherRouter()) dropped.increment();
        return v;
    }

    /** How many adverts {@link #check} rejected so far (malformed, bad checksum, wrong auth, TTL ...). */
    public long dropped() { return dropped.sum(); }

    private Verdict evaluate(ReceivedAdvert received) {
        byte[] bytes = received.payload();
        VrrpPacket packet;
        try {
            packet = VrrpPacket.decode(bytes, 0, bytes.length, ipv6);
        } catch (MalformedPacketException e) {
            return Verdict.reject(e.getMessage());
        }
        if (packet.virtualRouterId() != virtualRouterId) {
            return Verdict.notOurs("VRID " + packet.virtualRouterId() + " is not ours (" + virtualRouterId + ")");
        }
        // Unicast adverts may cross routers, so only multicast ones must still have the sender's 255.
        if (!unicast && received.ttl() != VRRP_TTL) {
            return Verdict.reject("invalid TTL/HL " + received.ttl() + ", expected " + VRRP_TTL);
        }
        if (packet.version() != version) {
            return Verdict.reject("version " + packet.version() + " received, configured " + version);
        }
        if (version == 2) {
            if (packet.authType() != authType) {
                return Verdict.reject("auth type " + packet.authType() + " received, configured " + authType);
            }
            if (authType == AuthType.PASS && !MessageDigest.isEqual(packet.authData(), authData)) {
                return Verdict.reject("invalid password");
            }
            if (packet.advertIntervalCentis() != advertIntervalCentis) {
                // v2 has no way to adopt the master's interval, so a mismatch would break the timers.
                return Verdict.reject("advertisement interval " + packet.advertIntervalCentis() / 100
                        + "s received, configured " + advertIntervalCentis / 100 + "s");
            }
        }
        if (VrrpPacket.typeOf(bytes, 0) != VrrpPacket.TYPE_ADVERTISEMENT) {
            return Verdict.reject("invalid type " + VrrpPacket.typeOf(bytes, 0));
        }
        if (!checksumValid(received, packet)) {
            return Verdict.reject("invalid checksum");
        }
        if (received.destination().isMulticastAddress() == unicast) {
            return Verdict.reject(unicast ? "multicast advert received, configured for unicast"
                    : "unicast advert received, configured for multicast");
        }
        // keepalived: every VIP we have must be in the master's advert (a VRID clash shows up here).
        for (InetAddress vip : virtualAddresses) {
            if (!packet.addresses().contains(vip)) {
                return Verdict.reject("ip address associated with VRID " + virtualRouterId
                        + " not present in MASTER advert : " + vip.getHostAddress());
            }
        }
        if (unicast && !allowedUnicastSources.isEmpty() && !allowedUnicastSources.contains(received.source())) {
            return Verdict.reject("unicast source " + received.source().getHostAddress() + " is not a configured peer");
        }
        return Verdict.accept(packet);
    }

    private boolean checksumValid(ReceivedAdvert received, VrrpPacket packet) {
        byte[] bytes = received.payload();
        int length = VrrpPacket.HEADER_LENGTH + packet.addresses().size() * (ipv6 ? 16 : 4)
                + (packet.version() == 2 ? VrrpPacket.V2_AUTH_LENGTH : 0);
        if (received.source() instanceof Inet6Address && received.destination() == null) {
            return true; // the kernel verified it (IPV6_CHECKSUM) and did not tell us the destination
        }
        byte[] zeroed = java.util.Arrays.copyOf(bytes, length);
        zeroed[6] = 0;
        zeroed[7] = 0;
        int carried = VrrpPacket.checksumOf(bytes, 0);
        if (packet.version() == 2) return VrrpChecksum.ofMessage(zeroed, 0, length) == carried;
        int pseudo = VrrpChecksum.withPseudoHeader(received.source(), received.destination(), zeroed, 0, length);
        if (!v3ChecksumAsV2) return pseudo == carried;
        // v3_checksum_as_v2 (how some vendors read RFC 5798): the message alone, no pseudo-header.
        return VrrpChecksum.ofMessage(zeroed, 0, length) == carried;
    }

}

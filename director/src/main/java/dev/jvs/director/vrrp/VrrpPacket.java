package dev.jvs.director.vrrp;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One VRRP advertisement (RFC 3768 §5.1 for v2, RFC 5798 §5.1 for v3), without its IP header.
 *
 * @param version        2 or 3
 * @param virtualRouterId 1..255
 * @param priority       0 (master is leaving) .. 255 (address owner)
 * @param authType       v2 only; {@link AuthType#NONE} for v3
 * @param authData       v2 only: the 8 authentication bytes (the zero-padded password for PASS)
 * @param advertIntervalCentis the interval in centiseconds (v2 carries whole seconds on the wire)
 * @param addresses      the virtual addresses, all of one family
 */
public record VrrpPacket(int version, int virtualRouterId, int priority, AuthType authType, byte[] authData,
                         int advertIntervalCentis, List<InetAddress> addresses) {

    public static final int TYPE_ADVERTISEMENT = 1;
    static final int HEADER_LENGTH = 8;
    static final int V2_AUTH_LENGTH = 8;

    /** VRRPv2 authentication types (RFC 2338 §5.3.6; kept by RFC 3768 only for compatibility). */
    public enum AuthType {
        NONE(0), PASS(1), AH(2);
        final int code;
        AuthType(int code) { this.code = code; }
        static AuthType ofCode(int code) {
            for (AuthType t : values()) if (t.code == code) return t;
            return null;
        }
    }

    public VrrpPacket {
        addresses = List.copyOf(addresses);
        authData = authData == null ? new byte[V2_AUTH_LENGTH] : authData.clone();
    }

    /** The 8 auth bytes for a PASS password: truncated to 8 characters, zero-padded (as keepalived does). */
    public static byte[] passwordBytes(String password) {
        byte[] bytes = new byte[V2_AUTH_LENGTH];
        byte[] text = password == null ? new byte[0] : password.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(text, 0, bytes, 0, Math.min(text.length, V2_AUTH_LENGTH));
        return bytes;
    }

    @Override
    public byte[] authData() {
        return authData.clone();
    }

    boolean isIpv6() {
        return !addresses.isEmpty() && addresses.get(0) instanceof Inet6Address;
    }

    /**
     * The wire bytes with the checksum filled in. {@code source}/{@code destination} feed the v3
     * pseudo-header; they are ignored for v2 and when {@code v3ChecksumAsV2} is set.
     */
    public byte[] encode(InetAddress source, InetAddress destination, boolean v3ChecksumAsV2) {
        int addressLength = addresses.isEmpty() ? 4 : addresses.get(0).getAddress().length;
        int length = HEADER_LENGTH + addresses.size() * addressLength + (version == 2 ? V2_AUTH_LENGTH : 0);
        byte[] out = new byte[length];
        out[0] = (byte) ((version << 4) | TYPE_ADVERTISEMENT);
        out[1] = (byte) virtualRouterId;
        out[2] = (byte) priority;
        out[3] = (byte) addresses.size();
        if (version == 2) {
            out[4] = (byte) authType.code;
            out[5] = (byte) Math.max(1, advertIntervalCentis / 100);
        } else {
            int centis = advertIntervalCentis & 0x0fff;
            out[4] = (byte) (centis >>> 8);
            out[5] = (byte) centis;
        }
        int at = HEADER_LENGTH;
        for (InetAddress a : addresses) {
            byte[] raw = a.getAddress();
            System.arraycopy(raw, 0, out, at, raw.length);
            at += raw.length;
        }
        if (version == 2) System.arraycopy(authData, 0, out, at, V2_AUTH_LENGTH);
        int checksum = version == 3 && !v3ChecksumAsV2
                ? VrrpChecksum.withPseudoHeader(source, destination, out, 0, length)
                : VrrpChecksum.ofMessage(out, 0, length);
        out[6] = (byte) (checksum >>> 8);
        out[7] = (byte) checksum;
        return out;
    }

    /** Why a received message is not a usable advertisement. */
    public static final class MalformedPacketException extends Exception {
        public MalformedPacketException(String message) { super(message); }
    }

    /**
     * Parses a VRRP message whose addresses are of the family of {@code ipv6}. Checks only
     * structure (length, version, address count); see {@link AdvertValidator} for the rest.
     */
    public static VrrpPacket decode(byte[] bytes, int offset, int length, boolean ipv6) throws MalformedPacketException {
        if (length < HEADER_LENGTH) throw new MalformedPacketException("too short: " + length + " bytes");
        int version = (bytes[offset] & 0xf0) >>> 4;
        if (version != 2 && version != 3) throw new MalformedPacketException("unknown version " + version);
        int count = bytes[offset + 3] & 0xff;
        int addressLength = ipv6 ? 16 : 4;
        int needed = HEADER_LENGTH + count * addressLength + (version == 2 ? V2_AUTH_LENGTH : 0);
        if (length < needed) {
            throw new MalformedPacketException("too short: " + length + " bytes for " + count + " addresses, need " + needed);
        }
        List<InetAddress> addresses = new ArrayList<>(count);
        int at = offset + HEADER_LENGTH;
        for (int i = 0; i < count; i++, at += addressLength) {
            try {
                addresses.add(InetAddress.getByAddress(Arrays.copyOfRange(bytes, at, at + addressLength)));
            } catch (UnknownHostException e) {
                throw new AssertionError(e); // cannot happen: the length is always 4 or 16
            }
        }
        AuthType authType = AuthType.NONE;
        byte[] authData = new byte[V2_AUTH_LENGTH];
        int intervalCentis;
        if (version == 2) {
            authType = AuthType.ofCode(bytes[offset + 4] & 0xff);
            if (authType == null) throw new MalformedPacketException("unknown auth type " + (bytes[offset + 4] & 0xff));
            intervalCentis = (bytes[offset + 5] & 0xff) * 100;
            System.arraycopy(bytes, at, authData, 0, V2_AUTH_LENGTH);
        } else {
            intervalCentis = ((bytes[offset + 4] & 0x0f) << 8) | (bytes[offset + 5] & 0xff);
        }
        return new VrrpPacket(version, bytes[offset + 1] & 0xff, bytes[offset + 2] & 0xff, authType, authData,
                intervalCentis, addresses);
    }

    /** The type nibble of a raw message (1 = advertisement). */
    static int typeOf(byte[] bytes, int offset) {
        return bytes[offset] & 0x0f;
    }

    /** The checksum carried by a raw message. */
    static int checksumOf(byte[] bytes, int offset) {
        return ((bytes[offset + 6] & 0xff) << 8) | (bytes[offset + 7] & 0xff);
    }

    static boolean sameFamily(InetAddress a, InetAddress b) {
        return (a instanceof Inet4Address) == (b instanceof Inet4Address);
    }

    @Override
    public String toString() {
        return "VRRPv" + version + " vrid " + virtualRouterId + " prio " + priority + " int " + advertIntervalCentis
                + "cs auth " + authType + " addrs " + addresses;
    }
}

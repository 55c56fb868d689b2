package dev.jvs.director.vrrp;

import dev.jvs.director.vrrp.VrrpPacket.AuthType;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Golden wire vectors: the arrays below were built by hand from RFC 3768/5798 layouts. */
class VrrpPacketTest {

    static InetAddress ip(String text) throws Exception {
        return InetAddress.getByName(text);
    }

    /** v2, VRID 51, priority 100, one VIP 192.168.1.10, PASS "secret", 1 s. */
    static final byte[] V2_PASS = {
            0x21, 0x33, 0x64, 0x01, 0x01, 0x01, (byte) 0x7b, (byte) 0xcb,
            (byte) 192, (byte) 168, 1, 10,
            's', 'e', 'c', 'r', 'e', 't', 0, 0};

    /** v3 IPv4, VRID 51, priority 100, 100 cs, VIP 192.168.1.10, sent 10.0.0.1 -> 224.0.0.18. */
    static final byte[] V3_IPV4 = {
            0x31, 0x33, 0x64, 0x01, 0x00, 0x64, (byte) 0xbe, 0x24,
            (byte) 192, (byte) 168, 1, 10};

    @Test
    void encodesVersion2WithPasswordAuthAndMessageChecksum() throws Exception {
        VrrpPacket p = new VrrpPacket(2, 51, 100, AuthType.PASS, VrrpPacket.passwordBytes("secret"), 100,
                List.of(ip("192.168.1.10")));
        assertArrayEquals(V2_PASS, p.encode(ip("10.0.0.1"), ip("224.0.0.18"), false));
    }

    @Test
    void decodesVersion2WithPasswordAuth() throws Exception {
        VrrpPacket p = VrrpPacket.decode(V2_PASS, 0, V2_PASS.length, false);
        assertEquals(2, p.version());
        assertEquals(51, p.virtualRouterId());
        assertEquals(100, p.priority());
        assertEquals(AuthType.PASS, p.authType());
        assertArrayEquals(VrrpPacket.passwordBytes("secret"), p.authData());
        assertEquals(100, p.advertIntervalCentis());
        assertEquals(List.of(ip("192.168.1.10")), p.addresses());
    }

    @Test
    void passwordIsTruncatedToEightBytes() {
        assertArrayEquals("12345678".getBytes(), VrrpPacket.passwordBytes("1234567890"));
    }

    @Test
    void encodesVersion3Ipv4WithPseudoHeaderChecksum() throws Exception {
        VrrpPacket p = new VrrpPacket(3, 51, 100, AuthType.NONE, null, 100, List.of(ip("192.168.1.10")));
        assertArrayEquals(V3_IPV4, p.encode(ip("10.0.0.1"), ip("224.0.0.18"), false));
    }

    @Test
    void version3ChecksumAsV2LeavesThePseudoHeaderOut() throws Exception {
        VrrpPacket p = new VrrpPacket(3, 51, 100, AuthType.NONE, null, 100, List.of(ip("192.168.1.10")));
        byte[] wire = p.encode(ip("10.0.0.1"), ip("224.0.0.18"), true);
        assertEquals(0xa8b4, VrrpPacket.checksumOf(wire, 0));
    }

    @Test
    void decodesVersion3CentisecondInterval() throws Exception {
        VrrpPacket p = VrrpPacket.decode(V3_IPV4, 0, V3_IPV4.length, false);
        assertEquals(3, p.version());
        assertEquals(100, p.advertIntervalCentis());
        assertEquals(AuthType.NONE, p.authType());
    }

    @Test
    void encodesVersion3Ipv6WithIpv6PseudoHeader() throws Exception {
        VrrpPacket p = new VrrpPacket(3, 7, 200, AuthType.NONE, null, 50, List.of(ip("2001:db8::100")));
        byte[] wire = p.encode(ip("fe80::1"), ip("ff02::12"), false);
        assertEquals(8 + 16, wire.length);
        assertEquals(0xd9ec, VrrpPacket.checksumOf(wire, 0));
        assertEquals(p.addresses(), VrrpPacket.decode(wire, 0, wire.length, true).addresses());
    }

    @Test
    void version3IntervalUsesTwelveBits() throws Exception {
        VrrpPacket p = new VrrpPacket(3, 1, 100, AuthType.NONE, null, 4095, List.of(ip("10.1.1.1")));
        byte[] wire = p.encode(ip("10.0.0.1"), ip("224.0.0.18"), false);
        assertEquals(0x0f, wire[4]);
        assertEquals((byte) 0xff, wire[5]);
    }
}

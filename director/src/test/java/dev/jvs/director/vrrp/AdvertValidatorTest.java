package dev.jvs.director.vrrp;

import dev.jvs.director.vrrp.AdvertValidator.Verdict;
import dev.jvs.director.vrrp.VrrpPacket.AuthType;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static dev.jvs.director.vrrp.VrrpPacketTest.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdvertValidatorTest {

    static final byte[] PASS = VrrpPacket.passwordBytes("secret");

    AdvertValidator v2Multicast() {
        return new AdvertValidator(2, 51, AuthType.PASS, PASS, 100, false, false, false, Set.of(), List.of());
    }

    AdvertValidator v3Multicast() {
        return new AdvertValidator(3, 51, AuthType.NONE, new byte[8], 100, false, false, false, Set.of(), List.of());
    }

    ReceivedAdvert received(byte[] payload, int ttl) throws Exception {
        return new ReceivedAdvert(payload, ip("10.0.0.2"), ip("224.0.0.18"), ttl);
    }

    @Test
    void acceptsAWellFormedVersion2Advert() throws Exception {
        assertTrue(v2Multicast().check(received(VrrpPacketTest.V2_PASS, 255)).accepted());
    }

    @Test
    void acceptsAWellFormedVersion3Advert() throws Exception {
        ReceivedAdvert r = new ReceivedAdvert(VrrpPacketTest.V3_IPV4, ip("10.0.0.1"), ip("224.0.0.18"), 255);
        assertTrue(v3Multicast().check(r).accepted());
    }

    @Test
    void rejectsTtlOtherThan255OnMulticast() throws Exception {
        Verdict v = v2Multicast().check(received(VrrpPacketTest.V2_PASS, 254));
        assertFalse(v.accepted());
        assertTrue(v.rejection().contains("TTL"), v.rejection());
    }

    @Test
    void unicastAdvertsMayHaveCrossedARouter() throws Exception {
        AdvertValidator unicast = new AdvertValidator(2, 51, AuthType.PASS, PASS, 100, true, false, false, Set.of(), List.of());
        ReceivedAdvert r = new ReceivedAdvert(VrrpPacketTest.V2_PASS, ip("10.0.0.2"), ip("10.0.0.1"), 64);
        assertTrue(unicast.check(r).accepted());
    }

    @Test
    void rejectsBadChecksum() throws Exception {
        byte[] corrupt = VrrpPacketTest.V2_PASS.clone();
        corrupt[7] ^= 1;
        assertRejected(v2Multicast().check(received(corrupt, 255)), "checksum");
    }

    @Test
    void rejectsVersion3ChecksumWithoutPseudoHeader() throws Exception {
        byte[] v2Style = new VrrpPacket(3, 51, 100, AuthType.NONE, null, 100, List.of(ip("192.168.1.10")))
                .encode(ip("10.0.0.1"), ip("224.0.0.18"), true);
        ReceivedAdvert r = new ReceivedAdvert(v2Style, ip("10.0.0.1"), ip("224.0.0.18"), 255);
        assertRejected(v3Multicast().check(r), "checksum");
    }

    @Test
    void ignoresOtherVirtualRouters() throws Exception {
        AdvertValidator vrid52 = new AdvertValidator(2, 52, AuthType.PASS, PASS, 100, false, false, false, Set.of(), List.of());
        Verdict v = vrid52.check(received(VrrpPacketTest.V2_PASS, 255));
        assertFalse(v.accepted());
        assertTrue(v.otherRouter());
    }

    @Test
    void rejectsWrongPassword() throws Exception {
        AdvertValidator other = new AdvertValidator(2, 51, AuthType.PASS, VrrpPacket.passwordBytes("other"), 100,
                false, false, false, Set.of(), List.of());
        assertRejected(other.check(received(VrrpPacketTest.V2_PASS, 255)), "password");
    }

    @Test
    void rejectsMissingAuthWhenPasswordConfigured() throws Exception {
        byte[] noAuth = new VrrpPacket(2, 51, 100, AuthType.NONE, null, 100, List.of(ip("192.168.1.10")))
                .encode(null, null, false);
        assertRejected(v2Multicast().check(received(noAuth, 255)), "auth type");
    }

    @Test
    void rejectsWrongVersion() throws Exception {
        assertRejected(v3Multicast().check(received(VrrpPacketTest.V2_PASS, 255)), "version");
    }

    @Test
    void rejectsVersion2IntervalMismatch() throws Exception {
        AdvertValidator twoSeconds = new AdvertValidator(2, 51, AuthType.PASS, PASS, 200, false, false, false, Set.of(), List.of());
        assertRejected(twoSeconds.check(received(VrrpPacketTest.V2_PASS, 255)), "interval");
    }

    @Test
    void rejectsTooShort() throws Exception {
        assertRejected(v2Multicast().check(received(Arrays.copyOf(VrrpPacketTest.V2_PASS, 7), 255)), "too short");
        assertRejected(v2Multicast().check(received(Arrays.copyOf(VrrpPacketTest.V2_PASS, 15), 255)), "too short");
    }

    @Test
    void rejectsUnicastAdvertWhenConfiguredForMulticast() throws Exception {
        ReceivedAdvert r = new ReceivedAdvert(VrrpPacketTest.V2_PASS, ip("10.0.0.2"), ip("10.0.0.1"), 255);
        assertRejected(v2Multicast().check(r), "unicast");
    }

    @Test
    void rejectsUnicastSourceThatIsNotAPeerWhenChecked() throws Exception {
        AdvertValidator checked = new AdvertValidator(2, 51, AuthType.PASS, PASS, 100, true, false, false,
                Set.of(ip("10.0.0.3")), List.of());
        ReceivedAdvert r = new ReceivedAdvert(VrrpPacketTest.V2_PASS, ip("10.0.0.2"), ip("10.0.0.1"), 255);
        assertRejected(checked.check(r), "peer");
    }

    @Test
    void rejectsAnAdvertMissingOneOfOurVirtualAddresses() throws Exception {
        AdvertValidator ours = new AdvertValidator(2, 51, AuthType.PASS, PASS, 100, false, false, false, Set.of(),
                List.of(ip("192.168.1.10"), ip("192.168.1.11")));
        assertRejected(ours.check(received(VrrpPacketTest.V2_PASS, 255)), "not present in MASTER advert : 192.168.1.11");
        AdvertValidator same = new AdvertValidator(2, 51, AuthType.PASS, PASS, 100, false, false, false, Set.of(),
                List.of(ip("192.168.1.10")));
        assertTrue(same.check(received(VrrpPacketTest.V2_PASS, 255)).accepted());
    }

    static void assertRejected(Verdict v, String reasonPart) {
        assertFalse(v.accepted(), "expected a rejection");
        assertTrue(v.rejection().contains(reasonPart), v.rejection());
    }

    static InetAddress any() throws Exception { return ip("0.0.0.0"); }

    @Test
    void countsEveryDroppedAdvertButNeitherAcceptedOnesNorOtherRouters() throws Exception {
        AdvertValidator v = v2Multicast();
        byte[] good = VrrpPacketTest.V2_PASS;
        byte[] badChecksum = good.clone();
        badChecksum[7] ^= 1;
        byte[] otherVrid = new VrrpPacket(2, 52, 100, AuthType.PASS, PASS, 100, List.of(ip("192.168.1.10")))
                .encode(ip("10.0.0.2"), ip("224.0.0.18"), false);
        byte[] hugeCount = good.clone();
        hugeCount[3] = (byte) 200; // says 200 addresses, carries 1

        assertTrue(v.check(received(good, 255)).accepted());
        assertTrue(v.check(received(otherVrid, 255)).otherRouter());
        assertEquals(0, v.dropped());

        assertFalse(v.check(received(new byte[] {(byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef}, 255)).accepted());
        assertFalse(v.check(received(new byte[0], 255)).accepted());
        assertFalse(v.check(received(Arrays.copyOf(good, 10), 255)).accepted());
        assertFalse(v.check(received(Arrays.copyOf(good, good.length - 1), 255)).accepted());
        assertFalse(v.check(received(badChecksum, 255)).accepted());
        assertFalse(v.check(received(hugeCount, 255)).accepted());
        assertEquals(6, v.dropped());

        java.util.Random random = new java.util.Random(42);
        int rejected = 0;
        for (int i = 0; i < 1000; i++) {
            byte[] garbage = new byte[random.nextInt(64)];
            random.nextBytes(garbage);
            Verdict verdict = v.check(received(garbage, 255)); // never throws
            if (!verdict.accepted() && !verdict.otherRouter()) rejected++;
        }
        assertEquals(6 + rejected, v.dropped());
    }
}

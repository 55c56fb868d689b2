package dev.jvs.director.vrrp;

import dev.jvs.director.sync.SyncMessageReader;
import dev.jvs.director.sync.SyncRecord;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Any bytes from the network into the VRRP and connection-sync decoders: a packet, a verdict or a counted
 * outcome, never an exception. Inputs are random bytes and mutations of valid messages; fixed seeds replay.
 */
class VrrpAndSyncDecoderProperties {

    /** A valid VRRPv2 advert (VRID 51, priority 100, one address 10.0.0.100, auth PASS "secret"). */
    static final byte[] V2_ADVERT = HexFormat.of().parseHex("2133640101010000" + "0a000064" + "7365637265740000");
    /** A valid v1 sync message with one ESTABLISHED TCP connection record. */
    static final byte[] SYNC_V1 = HexFormat.of().parseHex("0007002c01010000"
            + "00060024000000030001c822005000500000000000000384cb0071050a000001c0a8020c");

    @Provide
    Arbitrary<byte[]> vrrp() {
        return FuzzInputs.mutationsOf(V2_ADVERT);
    }

    @Provide
    Arbitrary<byte[]> sync() {
        return FuzzInputs.mutationsOf(SYNC_V1);
    }

    @Property(seed = "1320")
    void anyVrrpPayloadIsAPacketOrAMalformedPacketException(@ForAll("vrrp") byte[] bytes, @ForAll boolean ipv6) {
        try {
            assertNotNull(VrrpPacket.decode(bytes, 0, bytes.length, ipv6));
        } catch (VrrpPacket.MalformedPacketException expected) {
            assertNotNull(expected.getMessage());
        }
    }

    @Property(seed = "1321")
    void anyAdvertGetsAVerdict(@ForAll("vrrp") byte[] bytes, @ForAll boolean v3) throws Exception {
        AdvertValidator validator = v3
                ? new AdvertValidator(3, 51, VrrpPacket.AuthType.NONE, new byte[8], 100, false, false, false, Set.of(), List.of())
                : new AdvertValidator(2, 51, VrrpPacket.AuthType.PASS, VrrpPacket.passwordBytes("secret"), 100, false,
                        false, false, Set.of(), List.of());
        AdvertValidator.Verdict verdict = validator.check(new ReceivedAdvert(bytes,
                InetAddress.getByName("192.0.2.1"), InetAddress.getByName("224.0.0.18"), 255));
        assertTrue(verdict.accepted() || verdict.rejection() != null || verdict.otherRouter(), verdict.toString());
    }

    @Property(seed = "1322")
    void anySyncMessageGivesAnOutcomeAndOnlyWholeRecords(@ForAll("sync") byte[] bytes, @ForAll boolean anySyncId) {
        List<SyncRecord> records = new ArrayList<>();
        SyncMessageReader.Outcome outcome = SyncMessageReader.read(ByteBuffer.wrap(bytes), anySyncId ? 0 : 7, records::add);
        assertNotNull(outcome);
        assertTrue(records.size() <= bytes.length / 24, records.size() + " records from " + bytes.length + " bytes");
    }

    @Example
    void savedCorpus() throws Exception {
        for (String hex : List.of("", "21", "2133640101010000", "21336401ff010000", "31336401010100000a000064",
                "0007002c01010000", "0007002cff010000", "00070008ff010000", "0007ffff01010000")) {
            byte[] bytes = HexFormat.of().parseHex(hex);
            anyVrrpPayloadIsAPacketOrAMalformedPacketException(bytes, false);
            anyVrrpPayloadIsAPacketOrAMalformedPacketException(bytes, true);
            anyAdvertGetsAVerdict(bytes, false);
            anySyncMessageGivesAnOutcomeAndOnlyWholeRecords(bytes, true);
        }
    }
}

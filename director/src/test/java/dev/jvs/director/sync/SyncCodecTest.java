package dev.jvs.director.sync;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The version 1 wire format against messages written out byte by byte from the kernel's layout. */
class SyncCodecTest {

    private static final HexFormat HEX = HexFormat.of();

    /** A TCP persistence template: 192.168.1.0:0 -> 10.0.0.1:80 -> 192.168.2.11:8080, 360 s, flags TEMPLATE|INACTIVE. */
    private static final String TEMPLATE_RECORD =
            "00" + "06" + "0024"            // type IPv4, TCP, version 0 / size 36
            + "00001100"                     // flags
            + "0000"                         // state NONE
            + "0000" + "0050" + "1f90"       // cport 0, vport 80, dport 8080
            + "00000000"                     // fwmark
            + "00000168"                     // timeout 360
            + "c0a80100" + "0a000001" + "c0a8020b";

    /** An ESTABLISHED TCP connection 203.0.113.5:51234 -> 10.0.0.1:80 -> 192.168.2.12:80, direct routing, 900 s. */
    private static final String CONNECTION_RECORD =
            "00" + "06" + "0024"
            + "00000003"                     // DROUTE, active
            + "0001"                         // ESTABLISHED
            + "c822" + "0050" + "0050"
            + "00000000"
            + "00000384"
            + "cb007105" + "0a000001" + "c0a8020c";

    private static final String IPV6_UDP_RECORD =
            "01" + "11" + "0048"             // type IPv6, UDP, size 72
            + "00000100"                     // MASQ, inactive
            + "0000"
            + "14e9" + "0035" + "0035"       // 5353 -> 53 -> 53
            + "00000000"
            + "0000012c"                     // 300
            + "20010db8000000000000000000000099"
            + "20010db8000000000000000000000001"
            + "20010db800000000000000000000a0a0";

    @Test
    void encodesRecordsAfterAHeaderWithSyncidSizeCountAndVersion() throws Exception {
        SyncMessageWriter writer = new SyncMessageWriter(1472, 7);
        assertTrue(writer.add(template()));
        assertTrue(writer.add(connection()));
        assertTrue(writer.add(ipv6Udp()));

        String header = "00" + "07" + "0098" + "03" + "01" + "0000"; // 8 + 36 + 36 + 72 = 152 = 0x98
        assertEquals(header + TEMPLATE_RECORD + CONNECTION_RECORD + IPV6_UDP_RECORD, hex(writer.finish()));
    }

    @Test
    void neverWritesMoreThanSyncMaxlenBytes() throws Exception {
        SyncMessageWriter writer = new SyncMessageWriter(8 + 36 + 36 + 35, 0);
        assertTrue(writer.add(template()));
        assertTrue(writer.add(connection()));
        assertFalse(writer.add(connection()), "a third record would make 116 bytes > 115");
        assertEquals(80, writer.finish().remaining());
        assertEquals(2, writer.count());
    }

    @Test
    void putsAtMost255RecordsInOneMessage() throws Exception {
        SyncMessageWriter writer = new SyncMessageWriter(65507, 0);
        for (int i = 0; i < 255; i++) assertTrue(writer.add(connection()));
        assertFalse(writer.add(connection()));
        ByteBuffer m = writer.finish();
        assertEquals(255, m.get(4) & 0xff);
        assertEquals(8 + 255 * 36, m.getShort(2) & 0xffff);
    }

    @Test
    void startsTheNextMessageEmptyAfterReset() throws Exception {
        SyncMessageWriter writer = new SyncMessageWriter(1472, 0);
        writer.add(template());
        writer.finish();
        writer.reset();
        assertTrue(writer.isEmpty());
        writer.add(connection());
        assertEquals("0000002c" + "01010000" + CONNECTION_RECORD, hex(writer.finish()));
    }

    @Test
    void decodesKernelMessagesWithOptionsAndPadding() throws Exception {
        // The connection carries 24 bytes of sequence data: record size 36 + 26 = 62, padded to 64.
        String withSequence = CONNECTION_RECORD.substring(0, 4) + "003e" + CONNECTION_RECORD.substring(8)
                + "0118" + "00".repeat(24) + "0000";
        String body = TEMPLATE_RECORD + withSequence + IPV6_UDP_RECORD;
        List<SyncRecord> records = decode(message(0, 3, body), 0);

        assertEquals(List.of(template(), connection(), ipv6Udp()), records);
    }

    @Test
    void skipsARecordWithAnUnknownMandatoryOptionButNotAnUnknownOptionalOne() throws Exception {
        String unknownMandatory = TEMPLATE_RECORD.substring(0, 4) + "0028" + TEMPLATE_RECORD.substring(8) + "05020000";
        String unknownOptional = CONNECTION_RECORD.substring(0, 4) + "0028" + CONNECTION_RECORD.substring(8) + "45020000";
        List<SyncRecord> records = decode(message(0, 2, unknownMandatory + unknownOptional), 0);

        assertEquals(List.of(connection()), records);
    }

    @Test
    void dropsTheRestOfAMessageAtAMalformedOption() throws Exception {
        String badLength = TEMPLATE_RECORD.substring(0, 4) + "0028" + TEMPLATE_RECORD.substring(8) + "01090000";
        List<SyncRecord> records = new ArrayList<>();
        var outcome = SyncMessageReader.read(ByteBuffer.wrap(message(0, 2, CONNECTION_RECORD + badLength)), 0,
                records::add);

        assertEquals(SyncMessageReader.Outcome.MALFORMED, outcome);
        assertEquals(List.of(connection()), records);
    }

    @Test
    void skipsRecordsWithAStateOutsideTheProtocolsRange() throws Exception {
        String udpInTcpState = IPV6_UDP_RECORD.substring(0, 16) + "0001" + IPV6_UDP_RECORD.substring(20);
        assertEquals(List.of(template()), decode(message(0, 2, udpInTcpState + TEMPLATE_RECORD), 0));
    }

    @Test
    void aBackupWithASyncidIgnoresOtherSyncidsAndSyncidZeroAcceptsAll() throws Exception {
        byte[] fromFive = message(5, 1, TEMPLATE_RECORD);
        assertEquals(List.of(), decode(fromFive, 6));
        assertEquals(List.of(template()), decode(fromFive, 5));
        assertEquals(List.of(template()), decode(fromFive, 0));
    }

    @Test
    void refusesAMessageWhoseSizeIsNotTheDatagramLength() throws Exception {
        byte[] m = message(0, 1, TEMPLATE_RECORD);
        byte[] longer = java.util.Arrays.copyOf(m, m.length + 4);
        assertEquals(SyncMessageReader.Outcome.BAD_SIZE, SyncMessageReader.read(ByteBuffer.wrap(longer), 0, r -> { }));
    }

    @Test
    void readsVersionZeroMessagesWithoutTimeout() throws Exception {
        String v0Record = "00" + "06" + "c822" + "0050" + "0050" + "cb007105" + "0a000001" + "c0a8020c"
                + "0003" + "0001"; // flags DROUTE, ESTABLISHED
        byte[] m = HEX.parseHex("01" + "00" + "001c" + v0Record);
        List<SyncRecord> records = decode(m, 0);

        assertEquals(List.of(new SyncRecord(6, 3, 1, 51234, 80, 80, 0, 0, ip("203.0.113.5"), ip("10.0.0.1"),
                ip("192.168.2.12"))), records);
    }

    @Test
    void encodedMessagesDecodeToTheSameRecords() throws Exception {
        SyncMessageWriter writer = new SyncMessageWriter(1472, 9);
        writer.add(ipv6Udp());
        writer.add(template());
        assertEquals(List.of(ipv6Udp(), template()), decode(bytes(writer.finish()), 9));
    }

    @Test
    void anIpv4AddressHashIsTheAddressItselfAsTheWriterAssumes() throws Exception {
        // SyncMessageWriter writes IPv4 addresses from hashCode() to avoid copying them; this JDK must agree.
        for (String a : List.of("0.0.0.0", "10.0.0.1", "192.168.2.11", "255.255.255.255", "224.0.0.81")) {
            assertEquals(ByteBuffer.wrap(ip(a).getAddress()).getInt(), ip(a).hashCode(), a);
        }
    }

    static SyncRecord template() throws Exception {
        return new SyncRecord(6, 0x1100, 0, 0, 80, 8080, 0, 360, ip("192.168.1.0"), ip("10.0.0.1"),
                ip("192.168.2.11"));
    }

    static SyncRecord connection() throws Exception {
        return new SyncRecord(6, 3, 1, 51234, 80, 80, 0, 900, ip("203.0.113.5"), ip("10.0.0.1"),
                ip("192.168.2.12"));
    }

    static SyncRecord ipv6Udp() throws Exception {
        return new SyncRecord(17, 0x100, 0, 5353, 53, 53, 0, 300, ip("2001:db8::99"), ip("2001:db8::1"),
                ip("2001:db8::a0a0"));
    }

    private static byte[] message(int syncId, int count, String body) {
        int size = 8 + body.length() / 2;
        return HEX.parseHex(String.format("00%02x%04x%02x010000", syncId, size, count) + body);
    }

    private static List<SyncRecord> decode(byte[] message, int syncId) {
        List<SyncRecord> records = new ArrayList<>();
        SyncMessageReader.read(ByteBuffer.wrap(message), syncId, records::add);
        return records;
    }

    private static String hex(ByteBuffer b) {
        return HEX.formatHex(bytes(b));
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    static InetAddress ip(String a) throws Exception {
        return InetAddress.getByName(a);
    }
}

package dev.jvs.ipvsadm;

import dev.jvs.model.Protocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.jvs.ipvsadm.TestData.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NamesTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "2001:0db8:0000:0000:0000:0000:0000:a0a0, 2001:db8::a0a0",
            "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
            "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
            "0:0:0:0:0:0:0:0, ::",
            "0:0:0:0:0:0:0:1, ::1",
            "fe80:0:0:0:0:0:0:0, fe80::",
            "2001:DB8:0:0:1:0:0:0, 2001:db8:0:0:1::",
            "0:0:0:0:0:ffff:0a00:0001, ::ffff:10.0.0.1",
            "::1.2.3.4, ::1.2.3.4",
    })
    void numericNamesCompressIpv6LikeInetNtop(String input, String expected) {
        assertEquals(expected, NumericNames.INSTANCE.host(InetText.parseIpv6(input)));
    }

    @Test
    void numericNamesPrintIpv4AndPortsAsNumbers() {
        assertEquals("192.168.0.1", NumericNames.INSTANCE.host(ip("192.168.0.1")));
        assertEquals("80", NumericNames.INSTANCE.port(80, Protocol.TCP));
    }

    @Test
    void ipv6ParserRejectsWhatInetPtonRejects() {
        assertNull(InetText.parseIpv6("1::2::3"));
        assertNull(InetText.parseIpv6("12345::"));
        assertNull(InetText.parseIpv6("1:2:3:4:5:6:7"));
        assertNull(InetText.parseIpv6("::1%eth0"));
        assertNull(InetText.parseIpv6("::01.2.3.4"));
        assertTrue(InetText.parseIpv6("::ffff:1.2.3.4") instanceof java.net.Inet6Address);
    }

    @Test
    void inetAtonAcceptsShortAndHexForms() {
        assertEquals(ip("10.0.0.1"), InetText.parseInetAton("10.1"));
        assertEquals(ip("10.1.0.2"), InetText.parseInetAton("10.1.2"));
        assertEquals(ip("10.0.0.1"), InetText.parseInetAton("0x0a000001"));
        assertEquals(ip("0.0.0.80"), InetText.parseInetAton("80"));
        assertNull(InetText.parseInetAton("256.1.1.1"));
        assertNull(InetText.parseInetAton("1.2.3.4.5"));
        assertNull(InetText.parseInetAton("08.1.1.1"));
    }

    @Test
    void systemNamesUseTheFirstServicesEntryForAPort(@TempDir Path dir) throws IOException {
        Path services = dir.resolve("services");
        Files.writeString(services, "http 80/tcp www\nwww-alt 80/tcp\nmdns 5353/udp\nbad line\n");
        SystemNames names = new SystemNames(services);
        assertEquals("http", names.port(80, Protocol.TCP));
        assertEquals("80", names.port(80, Protocol.UDP));
        assertEquals("80", names.port(80, null));
        assertEquals("mdns", names.port(5353, Protocol.UDP));
        assertEquals(80, ServicesDatabase.load(services).port("www", Protocol.TCP).getAsInt());
        assertTrue(ServicesDatabase.load(dir.resolve("missing")).name(80, Protocol.TCP).isEmpty());
    }

    @Test
    void servicesFieldsSplitOnAnyWhitespaceRun() {
        ServicesDatabase db = ServicesDatabase.parse("  ssh \t 22/tcp  secure-shell\t\r\nftp\u000B21/tcp\f\n");
        assertEquals(22, db.port("secure-shell", Protocol.TCP).getAsInt());
        assertEquals("ssh", db.name(22, Protocol.TCP).get());
        assertEquals("ftp", db.name(21, Protocol.TCP).get());
    }

    @Test
    void systemNamesFallBackToNumbersWithinTheBound() {
        SystemNames names = new SystemNames(TestData.SERVICES);
        InetAddress unnamed = ip("192.0.2.123"); // TEST-NET-1: no PTR record
        long start = System.nanoTime();
        String host = names.host(unnamed);
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis < 1000, "lookup took " + millis + " ms");
        assertTrue(host.equals("192.0.2.123") || !host.isEmpty());
        assertEquals(host, names.host(unnamed)); // cached for the listing
    }
}

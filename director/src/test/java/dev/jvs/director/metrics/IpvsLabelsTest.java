package dev.jvs.director.metrics;

import dev.jvs.model.ForwardMethod;
import dev.jvs.model.Protocol;
import dev.jvs.model.RealServerConfig;
import dev.jvs.model.ServiceKey;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Label values as node_exporter derives them from /proc/net/ip_vs (Go's net.IP.String(), FWM lines). */
class IpvsLabelsTest {

    private static String go(String address) throws Exception {
        return IpvsLabels.address(InetAddress.getByName(address));
    }

    @Test
    void ipv6IsPrintedAsGoPrintsIt() throws Exception {
        assertEquals("2001:db8::1", go("2001:0db8:0000:0000:0000:0000:0000:0001"));
        assertEquals("::", go("::"));
        assertEquals("::1", go("::1"));
        assertEquals("fe80::", go("fe80::"));
        assertEquals("2001:db8:0:1::1", go("2001:db8:0:1:0:0:0:1"));
        // a single zero group is not shortened; the longest run is, and of two equal runs the first
        assertEquals("2001:db8:0:1:1:1:1:1", go("2001:db8:0:1:1:1:1:1"));
        assertEquals("2001:0:0:1::1", go("2001:0:0:1:0:0:0:1"));
        assertEquals("1::1:0:0:1:1", go("1:0:0:1:0:0:1:1"));
        assertEquals("fd00:77::abcd", go("FD00:77::ABCD"));
        assertEquals("10.0.0.1", go("::ffff:10.0.0.1"));
    }

    @Test
    void addressServicesAndFwmarkServices() throws Exception {
        RealServerConfig rs = RealServerConfig.of(InetAddress.getByName("2001:db8::10"), 8080, ForwardMethod.MASQ, 1);
        assertArrayEquals(new String[] {"2001:db8::1", "80", "2001:db8::10", "8080", "UDP", ""},
                IpvsLabels.backend(ServiceKey.of(Protocol.UDP, InetAddress.getByName("2001:db8::1"), 80), rs));
        // the kernel prints "FWM  %08X": upper-case hex, eight digits; no address, port 0
        assertArrayEquals(new String[] {"", "0", "2001:db8::10", "8080", "FWM", "000000FF"},
                IpvsLabels.backend(ServiceKey.fwmark(255, true), rs));
        assertArrayEquals(new String[] {"10.0.0.1", "443", "SCTP", ""},
                IpvsLabels.service(ServiceKey.of(Protocol.SCTP, InetAddress.getByName("10.0.0.1"), 443)));
    }
}

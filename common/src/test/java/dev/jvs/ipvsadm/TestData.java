package dev.jvs.ipvsadm;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** Shared fixtures: a small services database and address helpers. */
final class TestData {

    static final ServicesDatabase SERVICES = ServicesDatabase.parse(String.join("\n",
            "# test services",
            "domain\t\t53/tcp\t\t\t\t# Domain Name Server",
            "domain\t\t53/udp",
            "http\t\t80/tcp\t\twww\t\t# WorldWideWeb HTTP",
            "https\t\t443/tcp",
            "https\t\t443/udp",
            "sip\t\t5060/tcp",
            "sip\t\t5060/udp",
            "mdns\t\t5353/udp",
            "http-alt\t8080/tcp\twebcache",
            "webcache2\t8080/tcp",
            ""));

    private TestData() {
    }

    static InetAddress ip(String text) {
        try {
            InetAddress v6 = InetText.parseIpv6(text);
            return v6 != null ? v6 : InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}

package dev.jvs.ipvsadm;

import dev.jvs.model.ClientIpMode;
import dev.jvs.model.ForwardMethod;
import dev.jvs.model.Protocol;
import dev.jvs.model.Rates;
import dev.jvs.model.RealServerConfig;
import dev.jvs.model.RealServerView;
import dev.jvs.model.ServiceConfig;
import dev.jvs.model.ServiceKey;
import dev.jvs.model.ServiceView;
import dev.jvs.model.Stats;
import dev.jvs.model.TableView;
import dev.jvs.model.Timeouts;
import dev.jvs.model.TunnelChecksum;
import dev.jvs.model.TunnelType;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static dev.jvs.ipvsadm.TestData.ip;

/** The table behind the reference samples (§7.2–7.4, §7.10), built by hand in a shuffled "kernel" order. */
final class SampleTable {

    static final ServiceKey WEB = ServiceKey.of(Protocol.TCP, ip("10.0.0.1"), 80);

    private SampleTable() {
    }

    static TableView table() {
        ServiceView web = new ServiceView(svc(WEB, "wrr"),
                new Stats(1234, 123456789L, 99999999L, 12345678901L, 123456789012345L),
                new Rates(12, 345, 300, 123456789L, 4567),
                List.of(
                        new RealServerView(new RealServerConfig(ip("192.168.0.19"), 80, ForwardMethod.ROUTE, 2,
                                100, 50, TunnelType.IPIP, 0, TunnelChecksum.NOCSUM, ClientIpMode.NONE), 5, 10, 3,
                                new Stats(600, 1000000000L, 0, 0, 0), new Rates(6, 123456789L, 0, 100000000L, 0)),
                        rs(ip("192.168.0.18"), 8080, ForwardMethod.MASQ, 1, 0, 0)));
        ServiceKey tls = ServiceKey.of(Protocol.TCP, ip("10.0.0.2"), 443);
        ServiceView secure = plain(new ServiceConfig(tls, "wlc", true, 300, 0xFFFFFF00, null, false, 0),
                tunnel(ip("192.168.1.12"), 443, TunnelType.IPIP, 0, TunnelChecksum.NOCSUM, 0, 0),
                tunnel(ip("192.168.1.10"), 443, TunnelType.GUE, 6080, TunnelChecksum.CSUM, 1, 2),
                rs(ip("127.0.0.1"), 443, ForwardMethod.LOCAL, 0, 0, 0),
                tunnel(ip("192.168.1.11"), 443, TunnelType.GRE, 0, TunnelChecksum.NOCSUM, 0, 0));
        ServiceView dns = plain(new ServiceConfig(ServiceKey.of(Protocol.UDP, ip("10.0.0.3"), 53), "rr", false, 360,
                        0xFFFFFFFF, null, true, 0),
                rs(ip("192.168.2.1"), 53, ForwardMethod.MASQ, 1, 0, 7));
        ServiceView sip = plain(new ServiceConfig(ServiceKey.of(Protocol.UDP, ip("10.0.0.5"), 5060), "rr", true, 600,
                0xFFFFFFFF, "sip", false, 0));
        ServiceView diameter = plain(new ServiceConfig(ServiceKey.of(Protocol.SCTP, ip("10.0.0.6"), 3868), "mh",
                false, 360, 0xFFFFFFFF, null, false, ServiceConfig.SCHED1 | ServiceConfig.SCHED2));
        ServiceView web6 = plain(svc(ServiceKey.of(Protocol.TCP, ip("2001:db8::1"), 80), "rr"),
                rs(ip("2001:db8::a0a0"), 80, ForwardMethod.MASQ, 1, 0, 0));
        ServiceView mark1 = plain(new ServiceConfig(ServiceKey.fwmark(1, false), "sh", false, 360, 0xFFFFFFFF,
                        null, false, ServiceConfig.SCHED1 | ServiceConfig.SCHED2),
                rs(ip("192.168.3.1"), 0, ForwardMethod.ROUTE, 1, 0, 0));
        ServiceView mark2 = plain(new ServiceConfig(ServiceKey.fwmark(2, true), "wlc", true, 360, 64, null, false, 0));
        return new TableView(4096, List.of(mark2, web6, sip, secure, mark1, dns, web, diameter),
                Timeouts.KERNEL_DEFAULTS);
    }

    static ServiceConfig svc(ServiceKey key, String scheduler) {
        return ServiceConfig.defaults(key).withScheduler(scheduler);
    }

    static ServiceView plain(ServiceConfig config, RealServerView... servers) {
        return new ServiceView(config, Stats.ZERO, Rates.ZERO, List.of(servers));
    }

    static RealServerView rs(InetAddress address, int port, ForwardMethod method, int weight, int active, int inactive) {
        return new RealServerView(RealServerConfig.of(address, port, method, weight), active, inactive, 0,
                Stats.ZERO, Rates.ZERO);
    }

    static RealServerView tunnel(InetAddress address, int port, TunnelType type, int tunnelPort,
                                 TunnelChecksum checksum, int active, int inactive) {
        return new RealServerView(new RealServerConfig(address, port, ForwardMethod.TUNNEL, 1, 0, 0, type,
                tunnelPort, checksum, ClientIpMode.NONE), active, inactive, 0, Stats.ZERO, Rates.ZERO);
    }

    /** Host names as in the samples: only 127.0.0.1 has one; ports from the test services database. */
    static final NameResolver SAMPLE_NAMES = new NameResolver() {
        @Override
        public String host(InetAddress address) {
            return address.equals(ip("127.0.0.1")) ? "localhost" : InetText.format(address);
        }

        @Override
        public String port(int port, Protocol protocol) {
            return TestData.SERVICES.name(port, protocol).orElse(Integer.toString(port));
        }
    };

    /** A reference sample copied from the spec's code blocks. */
    static String sample(String name) {
        try (InputStream in = SampleTable.class.getResourceAsStream(name + ".txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

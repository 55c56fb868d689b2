package dev.jvs.ipvsadm;

import dev.jvs.model.ClientIpMode;
import dev.jvs.model.Command;
import dev.jvs.model.CommandKind;
import dev.jvs.model.ForwardMethod;
import dev.jvs.model.IpvsadmException;
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
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.jvs.ipvsadm.SampleTable.SAMPLE_NAMES;
import static dev.jvs.ipvsadm.SampleTable.sample;
import static dev.jvs.ipvsadm.TestData.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;

class SaveFormatTest {

    @Test
    void saveNumericMatchesIpvsadmSave() {
        assertEquals(sample("save-numeric"), SaveFormat.save(SampleTable.table(), true, SAMPLE_NAMES, false));
    }

    @Test
    void saveWithNamesResolvesHostsAndPorts() {
        assertEquals(sample("save-names"), SaveFormat.save(SampleTable.table(), false, SAMPLE_NAMES, false));
    }

    @Test
    void extendedSaveAddsThresholdsAndTimeouts() {
        ServiceKey key = ServiceKey.of(Protocol.TCP, ip("10.0.0.1"), 80);
        RealServerConfig proxied = new RealServerConfig(ip("192.168.0.5"), 8080, ForwardMethod.MASQ, 3, 100, 10,
                TunnelType.IPIP, 0, TunnelChecksum.NOCSUM, ClientIpMode.PROXY_V2);
        TableView table = new TableView(4096, List.of(new ServiceView(ServiceConfig.defaults(key), Stats.ZERO,
                Rates.ZERO, List.of(new RealServerView(proxied, 0, 0, 0, Stats.ZERO, Rates.ZERO)))),
                new Timeouts(600, 60, 200));
        assertEquals("-A -t 10.0.0.1:80 -s wlc\n"
                        + "-a -t 10.0.0.1:80 -r 192.168.0.5:8080 -m -w 3 -x 100 -y 10 --proxy-protocol v2\n"
                        + "--set 600 60 200\n",
                SaveFormat.save(table, true, SAMPLE_NAMES, true));
        assertEquals("-A -t 10.0.0.1:80 -s wlc\n-a -t 10.0.0.1:80 -r 192.168.0.5:8080 -m -w 3 --proxy-protocol v2\n",
                SaveFormat.save(table, true, SAMPLE_NAMES, false));
    }

    @Test
    void maxConnsIsKeptByPlainSaveAndReadBack() throws IpvsadmException {
        ServiceKey key = ServiceKey.of(Protocol.TCP, ip("10.0.0.1"), 80);
        ServiceConfig limited = new ServiceConfig(key, "rr", false, 360, ServiceConfig.IPV4_HOST_MASK, null, false, 0, 2000);
        TableView table = new TableView(4096, List.of(new ServiceView(limited, Stats.ZERO, Rates.ZERO, List.of())), null);
        String saved = SaveFormat.save(table, true, SAMPLE_NAMES, false);
        assertEquals("-A -t 10.0.0.1:80 -s rr --max-conns 2000\n", saved);
        assertEquals(limited, ((Command.AddService) RestoreInput.parseAll("ipvsadm", RestoreInput.split(saved), TestData.SERVICES).get(0)).service());
    }

    @Test
    void plainSaveKeepsClientAddressOptionsSoRestoreGetsThemBack() throws IpvsadmException {
        ServiceKey key = ServiceKey.of(Protocol.TCP, ip("10.0.0.1"), 80);
        TableView table = new TableView(4096, List.of(new ServiceView(ServiceConfig.defaults(key), Stats.ZERO,
                Rates.ZERO, List.of(masq("192.168.0.1", ClientIpMode.PROXY_V1), masq("192.168.0.2", ClientIpMode.PROXY_V2),
                        masq("192.168.0.3", ClientIpMode.TRANSPARENT), masq("192.168.0.4", ClientIpMode.NONE)))),
                null);
        String saved = SaveFormat.save(table, true, SAMPLE_NAMES, false);
        assertEquals("""
                -A -t 10.0.0.1:80 -s wlc
                -a -t 10.0.0.1:80 -r 192.168.0.1:8080 -m -w 1 --proxy-protocol v1
                -a -t 10.0.0.1:80 -r 192.168.0.2:8080 -m -w 1 --proxy-protocol v2
                -a -t 10.0.0.1:80 -r 192.168.0.3:8080 -m -w 1 --transparent
                -a -t 10.0.0.1:80 -r 192.168.0.4:8080 -m -w 1
                """, saved);
        List<ClientIpMode> restored = new ArrayList<>();
        for (Command command : RestoreInput.parseAll("ipvsadm", RestoreInput.split(saved), TestData.SERVICES)) {
            if (command instanceof Command.AddServer add) restored.add(add.server().clientIp());
        }
        assertEquals(List.of(ClientIpMode.PROXY_V1, ClientIpMode.PROXY_V2, ClientIpMode.TRANSPARENT, ClientIpMode.NONE),
                restored);
    }

    private static RealServerView masq(String address, ClientIpMode clientIp) {
        return new RealServerView(new RealServerConfig(ip(address), 8080, ForwardMethod.MASQ, 1, 0, 0,
                TunnelType.IPIP, 0, TunnelChecksum.NOCSUM, clientIp), 0, 0, 0, Stats.ZERO, Rates.ZERO);
    }

    @Test
    void plainSaveWritesMarksSignedLikeIpvsadmButTheStateFileDoesNot() {
        TableView table = new TableView(4096, List.of(new ServiceView(ServiceConfig.defaults(
                ServiceKey.fwmark(4294967295L, false)), Stats.ZERO, Rates.ZERO, List.of())), null);
        assertEquals("-A -f -1 -s wlc\n", SaveFormat.save(table, true, SAMPLE_NAMES, false));
        assertEquals("-A -f 4294967295 -s wlc\n", SaveFormat.save(table, true, SAMPLE_NAMES, true));
    }

    @Test
    void extendedSaveRestoresTheSameConfiguration() throws IpvsadmException {
        TableView original = roundTripTable();
        String saved = SaveFormat.save(original, true, SAMPLE_NAMES, true);
        List<Command> commands = RestoreInput.parseAll("ipvsadm", RestoreInput.split(saved), TestData.SERVICES);

        List<ServiceConfig> services = new ArrayList<>();
        List<RealServerConfig> servers = new ArrayList<>();
        Timeouts timeouts = null;
        for (Command command : commands) {
            if (command instanceof Command.AddService add) services.add(add.service());
            else if (command instanceof Command.AddServer add) servers.add(add.server());
            else if (command instanceof Command.SetTimeouts set) timeouts = set.timeouts();
            else throw new AssertionError(command);
        }
        List<ServiceConfig> expectedServices = new ArrayList<>();
        List<RealServerConfig> expectedServers = new ArrayList<>();
        for (ServiceView view : TableOrder.services(original.services(), false)) {
            expectedServices.add(view.config());
            for (RealServerView server : TableOrder.servers(view.servers(), false)) expectedServers.add(server.config());
        }
        assertEquals(expectedServices, services);
        assertEquals(expectedServers, servers);
        assertEquals(original.timeouts(), timeouts);
        assertEquals(CommandKind.SET, commands.get(commands.size() - 1).kind());
    }

    /** Everything -S can express, plus JVS's extras; no Local servers (they restore as Route). */
    private static TableView roundTripTable() {
        ServiceKey web = ServiceKey.of(Protocol.TCP, ip("10.0.0.1"), 80);
        ServiceKey v6 = ServiceKey.of(Protocol.UDP, ip("2001:db8::1"), 53);
        List<ServiceView> services = List.of(
                view(new ServiceConfig(web, "wrr", true, 300, 0xFFFFFF00, "sip", false, ServiceConfig.SCHED3),
                        new RealServerConfig(ip("192.168.0.1"), 8080, ForwardMethod.MASQ, 5, 100, 10,
                                TunnelType.IPIP, 0, TunnelChecksum.NOCSUM, ClientIpMode.PROXY_V1),
                        new RealServerConfig(ip("192.168.0.2"), 8080, ForwardMethod.MASQ, 0, 0, 0,
                                TunnelType.IPIP, 0, TunnelChecksum.NOCSUM, ClientIpMode.TRANSPARENT),
                        new RealServerConfig(ip("192.168.0.3"), 80, ForwardMethod.TUNNEL, 1, 0, 0,
                                TunnelType.GUE, 6080, TunnelChecksum.REMCSUM, ClientIpMode.NONE),
                        new RealServerConfig(ip("2001:db8::7"), 80, ForwardMethod.TUNNEL, 2, 0, 0,
                                TunnelType.GRE, 0, TunnelChecksum.CSUM, ClientIpMode.NONE),
                        RealServerConfig.of(ip("192.168.0.4"), 80, ForwardMethod.ROUTE, 7)),
                view(new ServiceConfig(v6, "sh", true, 60, 64, null, true, ServiceConfig.SCHED1 | ServiceConfig.SCHED2),
                        RealServerConfig.of(ip("2001:db8::a"), 5353, ForwardMethod.MASQ, 1)),
                view(new ServiceConfig(ServiceKey.fwmark(3000000000L, true), "mh", false, 360, 128, null, true,
                                ServiceConfig.SCHED2),
                        RealServerConfig.of(ip("2001:db8::b"), 0, ForwardMethod.ROUTE, 1)),
                view(new ServiceConfig(ServiceKey.of(Protocol.SCTP, ip("10.0.0.6"), 3868), "rr", false, 360,
                        0xFFFFFFFF, null, false, 0)),
                view(new ServiceConfig(ServiceKey.of(Protocol.TCP, ip("10.0.0.9"), 0), "lc", true, 360,
                        0xFFFF0000, null, false, 0)));
        return new TableView(4096, services, new Timeouts(1000, 100, 50));
    }

    private static ServiceView view(ServiceConfig config, RealServerConfig... servers) {
        List<RealServerView> views = new ArrayList<>();
        for (RealServerConfig server : servers) views.add(new RealServerView(server, 0, 0, 0, Stats.ZERO, Rates.ZERO));
        return new ServiceView(config, Stats.ZERO, Rates.ZERO, views);
    }
}

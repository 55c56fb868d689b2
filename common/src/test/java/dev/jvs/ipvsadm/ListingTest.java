package dev.jvs.ipvsadm;

import dev.jvs.model.ForwardMethod;
import dev.jvs.model.ListOptions;
import dev.jvs.model.Protocol;
import dev.jvs.model.Rates;
import dev.jvs.model.ServiceConfig;
import dev.jvs.model.ServiceKey;
import dev.jvs.model.ServiceView;
import dev.jvs.model.Stats;
import dev.jvs.model.TableView;
import dev.jvs.model.Timeouts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static dev.jvs.ipvsadm.SampleTable.SAMPLE_NAMES;
import static dev.jvs.ipvsadm.SampleTable.rs;
import static dev.jvs.ipvsadm.SampleTable.sample;
import static dev.jvs.ipvsadm.SampleTable.svc;
import static dev.jvs.ipvsadm.TestData.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;

class ListingTest {

    private static ListOptions opts(String... flags) {
        List<String> f = List.of(flags);
        ListOptions.Columns columns = f.contains("stats") ? ListOptions.Columns.STATS
                : f.contains("rate") ? ListOptions.Columns.RATE
                : f.contains("thresholds") ? ListOptions.Columns.THRESHOLDS
                : f.contains("persistent-conn") ? ListOptions.Columns.PERSISTENT_CONN
                : f.contains("tun-info") ? ListOptions.Columns.TUN_INFO : ListOptions.Columns.CONNECTIONS;
        return new ListOptions(f.contains("n"), columns, f.contains("exact"), f.contains("nosort"));
    }

    private static String list(ListOptions options) {
        return Listing.list(SampleTable.table(), options, null, SAMPLE_NAMES);
    }

    /** The first lines of a listing, for the samples that show only the start of the table. */
    private static String head(String text, String sample) {
        int lines = sample.split("\n", -1).length - 1;
        String[] all = text.split("\n", -1);
        return String.join("\n", List.of(all).subList(0, lines)) + "\n";
    }

    @Test
    void listShowsRealServersSortedWithTrailingSpaces() {
        assertEquals(sample("list-numeric"), list(opts("n")));
    }

    @Test
    void listWithoutNumericUsesHostAndServiceNames() {
        assertEquals(sample("list-names"), list(opts()));
    }

    @Test
    void listOfOneServiceHasNoVersionLine() {
        assertEquals(sample("list-one-service"),
                Listing.list(SampleTable.table(), opts("n"), SampleTable.WEB, SAMPLE_NAMES));
    }

    @Test
    void statsScaleLargeNumbers() {
        assertEquals(sample("stats"), list(opts("n", "stats")));
    }

    @Test
    void rateScalesAllServiceColumnsButOnlyTheByteRatesOfRealServers() {
        assertEquals(sample("rate"), list(opts("n", "rate")));
    }

    @Test
    void exactPrintsFullNumbers() {
        String stats = sample("stats-exact-head");
        assertEquals(stats, head(list(opts("n", "stats", "exact")), stats));
        String rate = sample("rate-exact-head");
        assertEquals(rate, head(list(opts("n", "rate", "exact")), rate));
    }

    @Test
    void thresholdsPersistentConnAndTunnelInfoViews() {
        String thresholds = sample("thresholds-head");
        assertEquals(thresholds, head(list(opts("n", "thresholds")), thresholds));
        String persistent = sample("persistent-conn-head");
        assertEquals(persistent, head(list(opts("n", "persistent-conn")), persistent));
        String tunnels = sample("tun-info-head");
        assertEquals(tunnels, head(list(opts("n", "tun-info")), tunnels));
    }

    @Test
    void statsTakePrecedenceOverOtherViews() {
        assertEquals(list(opts("n", "stats")), list(opts("n", "stats", "rate", "thresholds", "tun-info")));
        assertEquals(list(opts("n", "thresholds")), list(opts("n", "thresholds", "persistent-conn", "tun-info")));
    }

    @Test
    void manPageExampleTable() {
        TableView table = new TableView(4096, List.of(new ServiceView(svc(SampleTable.WEB, "wrr"), Stats.ZERO,
                Rates.ZERO, List.of(rs(ip("192.168.0.18"), 80, ForwardMethod.MASQ, 1, 0, 0)))), Timeouts.KERNEL_DEFAULTS);
        assertEquals(sample("manpage-table"), Listing.list(table, opts("n"), null, SAMPLE_NAMES));
    }

    @Test
    void emptyTablePrintsOnlyTheHeaderWithTheTableSize() {
        assertEquals("IP Virtual Server version 1.2.1 (size=65536)\n"
                        + "Prot LocalAddress:Port Scheduler Flags\n"
                        + "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n",
                Listing.list(new TableView(65536, List.of(), Timeouts.KERNEL_DEFAULTS), opts("n"), null, SAMPLE_NAMES));
    }

    @Test
    void sortQuirkListsFarApartAddressesBackwards() {
        ServiceView low = new ServiceView(svc(ServiceKey.of(Protocol.TCP, ip("10.0.0.1"), 80), "rr"), Stats.ZERO,
                Rates.ZERO, List.of(rs(ip("10.1.1.1"), 80, ForwardMethod.MASQ, 1, 0, 0),
                rs(ip("192.168.5.5"), 80, ForwardMethod.MASQ, 1, 0, 0)));
        ServiceView high = SampleTable.plain(svc(ServiceKey.of(Protocol.TCP, ip("192.168.0.1"), 80), "rr"));
        String text = Listing.list(new TableView(4096, List.of(low, high), Timeouts.KERNEL_DEFAULTS), opts("n"),
                null, SAMPLE_NAMES);
        assertEquals(String.join("\n",
                "TCP  192.168.0.1:80 rr",
                "TCP  10.0.0.1:80 rr",
                "  -> 192.168.5.5:80               Masq    1      0          0         ",
                "  -> 10.1.1.1:80                  Masq    1      0          0         ",
                ""), text.substring(text.indexOf("TCP")));
    }

    @Test
    void nosortKeepsTheDirectorsOrder() {
        ServiceView a = SampleTable.plain(svc(ServiceKey.of(Protocol.UDP, ip("10.0.0.9"), 53), "rr"));
        ServiceView b = SampleTable.plain(svc(ServiceKey.of(Protocol.TCP, ip("10.0.0.1"), 80), "rr"));
        String text = Listing.list(new TableView(4096, List.of(a, b), Timeouts.KERNEL_DEFAULTS), opts("n", "nosort"),
                null, SAMPLE_NAMES);
        assertEquals("UDP  10.0.0.9:53 rr\nTCP  10.0.0.1:80 rr\n", text.substring(text.indexOf("UDP")));
    }

    @Test
    void fwmarkLabelsAreSignedAndLongIpv4LabelsAreCut() {
        ServiceView bigMark = SampleTable.plain(svc(ServiceKey.fwmark(4294967295L, false), "rr"));
        assertEquals("FWM  -1", Listing.label(bigMark.config().key(), NumericNames.INSTANCE));
        NameResolver longNames = new NameResolver() {
            public String host(java.net.InetAddress a) { return "a-very-long-host-name.example.com"; }
            public String port(int p, Protocol pr) { return Integer.toString(p); }
        };
        assertEquals("TCP  a-very-long-host-name.exampl", Listing.label(SampleTable.WEB, longNames));
        ServiceKey v6 = ServiceKey.of(Protocol.TCP, ip("2001:db8::1"), 80);
        assertEquals("TCP  [a-very-long-host-name.example.com]:80", Listing.label(v6, longNames));
    }

    @Test
    void persistentIpv4ServiceWithHostMaskShowsNoMaskButShowsOps() {
        ServiceConfig config = new ServiceConfig(ServiceKey.fwmark(5, false), "wrr", true, 360, 0xFFFFFFFF, "sip",
                true, ServiceConfig.SCHED3);
        String text = Listing.list(new TableView(4096, List.of(SampleTable.plain(config)), Timeouts.KERNEL_DEFAULTS),
                opts("n"), null, SAMPLE_NAMES);
        assertEquals("FWM  5 wrr (flag-3) persistent 360 pe sip ops\n", text.substring(text.indexOf("FWM")));
    }

    @Test
    void timeoutLine() {
        assertEquals("Timeout (tcp tcpfin udp): 900 120 300\n", Listing.timeout(Timeouts.KERNEL_DEFAULTS));
    }

    @ParameterizedTest(name = "{0} exact={1}")
    @CsvSource(delimiter = '|', value = {
            "1234|false|'     1234'",
            "99999999|false|' 99999999'",
            "100000000|false|'  100000K'",
            "123456789|false|'  123456K'",
            "1000000000|false|'    1000M'",
            "12345678901|false|'   12345M'",
            "99999999999999|false|'   99999G'",
            "123456789012345|false|'     123T'",
            "-1|false|'18446744T'",
            "1234|true|'     1234'",
            "123456789|true|' 123456789'",
            "123456789012345|true|' 123456789012345'",
    })
    void largeNumberFormatting(long value, boolean exact, String expected) {
        assertEquals(expected, Listing.largeNumber(value, exact));
    }
}

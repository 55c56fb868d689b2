package dev.jvs.ipvsadm;

import dev.jvs.model.ClientIpMode;
import dev.jvs.model.Command;
import dev.jvs.model.CommandKind;
import dev.jvs.model.ForwardMethod;
import dev.jvs.model.IpvsadmException;
import dev.jvs.model.ListOptions;
import dev.jvs.model.Protocol;
import dev.jvs.model.RealServerConfig;
import dev.jvs.model.ServiceConfig;
import dev.jvs.model.ServiceKey;
import dev.jvs.model.SyncDaemonConfig;
import dev.jvs.model.Timeouts;
import dev.jvs.model.TunnelChecksum;
import dev.jvs.model.TunnelType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import static dev.jvs.ipvsadm.TestData.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IpvsadmParserTest {

    private static Parsed parse(String line) throws IpvsadmException {
        return new Parsed(IpvsadmParser.parse("ipvsadm", words(line), TestData.SERVICES));
    }

    /** A parsed command with accessors for what the assertions look at; each fails on a command without it. */
    private record Parsed(Command command) {
        CommandKind kind() { return command.kind(); }

        ServiceConfig service() {
            if (command instanceof Command.AddService c) return c.service();
            if (command instanceof Command.EditService c) return c.service();
            throw new AssertionError("no service config in " + command);
        }

        ServiceKey serviceKey() {
            if (command instanceof Command.AddService c) return c.serviceKey();
            if (command instanceof Command.EditService c) return c.serviceKey();
            if (command instanceof Command.DeleteService c) return c.serviceKey();
            if (command instanceof Command.AddServer c) return c.serviceKey();
            if (command instanceof Command.EditServer c) return c.serviceKey();
            if (command instanceof Command.DeleteServer c) return c.serviceKey();
            if (command instanceof Command.Zero c) return c.serviceKey().orElseThrow();
            if (command instanceof Command.ListServices c) return c.serviceKey().orElseThrow();
            throw new AssertionError("no service in " + command);
        }

        RealServerConfig server() {
            if (command instanceof Command.AddServer c) return c.server();
            if (command instanceof Command.EditServer c) return c.server();
            if (command instanceof Command.DeleteServer c) return c.server();
            throw new AssertionError("no real server in " + command);
        }

        ListOptions list() {
            if (command instanceof Command.ListServices c) return c.options();
            if (command instanceof Command.ListConnections c) return c.options();
            throw new AssertionError("no list options in " + command);
        }

        Timeouts timeouts() {
            return ((Command.SetTimeouts) command).timeouts();
        }

        SyncDaemonConfig daemon() {
            if (command instanceof Command.StartDaemon c) return c.daemon();
            if (command instanceof Command.StopDaemon c) return c.daemon();
            throw new AssertionError("no daemon in " + command);
        }
    }

    private static List<String> words(String line) {
        return line.isBlank() ? List.of() : Arrays.asList(line.trim().split(" +"));
    }

    private static IpvsadmException failure(String line) {
        return assertThrows(IpvsadmException.class, () -> parse(line));
    }

    @Test
    void noArgumentsListsEverythingWithDefaultOptions() throws IpvsadmException {
        Parsed command = parse("");
        assertEquals(CommandKind.LIST, command.kind());
        assertEquals(new Command.ListServices(Optional.empty(), ListOptions.DEFAULT), command.command());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "-t 1.2.3.4:80 -A",
            "-nL",
            "-t",
            "--bogus",
            "--start-daemon",
            "foo",
            "--",
            "-- -L",
    })
    void firstOptionThatIsNotACommandGivesTheUsageHint(String line) {
        IpvsadmException e = failure(line);
        assertEquals("Try `ipvsadm -h' or 'ipvsadm --help' for more information.", e.getMessage());
        assertEquals(255, e.exitStatus());
    }

    @Test
    void usageHintNamesProgramAsInvoked() {
        IpvsadmException e = assertThrows(IpvsadmException.class,
                () -> IpvsadmParser.parse("/sbin/ipvsadm", List.of("-n")));
        assertEquals("Try `/sbin/ipvsadm -h' or '/sbin/ipvsadm --help' for more information.", e.getMessage());
    }

    @Test
    void maxConnsIsAJvsServiceOption() throws IpvsadmException {
        assertEquals(500, parse("-A -t 10.0.0.1:80 --max-conns 500").service().maxConns());
        assertEquals(0, parse("-E -t 10.0.0.1:80").service().maxConns(), "edits are full replacements");
        assertEquals("illegal max-conns specified", failure("-A -t 10.0.0.1:80 --max-conns -5").getMessage());
        assertEquals("Illegal 'max-conns' option with the 'add-server' command",
                failure("-a -t 10.0.0.1:80 -r 10.0.0.2 --max-conns 5").getMessage());
    }

    @Test
    void helpAndVersionAreCommands() throws IpvsadmException {
        assertEquals(CommandKind.HELP, parse("-h").kind());
        assertEquals(CommandKind.HELP, parse("--help").kind());
        assertEquals(CommandKind.VERSION, parse("-v").kind());
        assertEquals(CommandKind.VERSION, parse("--version").kind());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            // popt errors after the command: exit 255
            "-L --foo|--foo: unknown option|255",
            "-L --stat|--stat: unknown option|255",
            "-L --foo=bar|--foo=bar: unknown option|255",
            "-L -t|-t: missing argument|255",
            "-A --tcp-service|--tcp-service: missing argument|255",
            "-Lq|-Lq: unknown option|255",
            "-L --numeric=yes|--numeric=yes: option does not take an argument|255",
            // commands later on the line
            "-L -a|invalid option `-a'|2",
            "-L -h|invalid option `-h'|2",
            "-L -v|invalid option `-v'|2",
            "-L --add-service|invalid option `--add-service'|2",
            "-La|invalid option `-La'|2",
            // repeats
            "-L -n -n|multiple 'numeric' options specified|2",
            "-A -t 1.1.1.1:80 -f 1|multiple 'service-address' options specified|2",
            "-a -t 1.1.1.1:80 -r 2.2.2.2 -g -m|multiple 'forwarding-method' options specified|2",
            "-A -t 1.1.1.1:80 -s rr -s wrr|multiple 'scheduler' options specified|2",
            // stray arguments
            "-L foo|unexpected argument foo|2",
            "-L -- -n|unexpected argument -n|2",
            "-C -|unexpected argument -|2",
            "-A -t 1.1.1.1:80 -p -s rr 600|unexpected argument 600|2",
            // §9.2 value validation
            "-A -t 80|illegal virtual server address[:port] specified|2",
            "-A -t 1.2.3.4:|illegal virtual server address[:port] specified|2",
            "-A -t 1.2.3.4:65536|illegal virtual server address[:port] specified|2",
            "-A -t [2001:db8::1]|illegal virtual server address[:port] specified|2",
            "-A -t [2001:db8::1]:|illegal virtual server address[:port] specified|2",
            "-A -t 1.2.3.4:nosuch|illegal virtual server address[:port] specified|2",
            "-A -u 1.2.3.4:http|illegal virtual server address[:port] specified|2",
            "-A -t !bad:80|illegal virtual server address[:port] specified|2",
            "-a -t 1.1.1.1:80 -r 2.2.2.2:x|illegal real server address[:port] specified|2",
            "-a -r 2.2.2.2:http -t 1.1.1.1:80|illegal real server address[:port] specified|2",
            "-A -f 0|invalid fwmark value `0' specified|2",
            "-A -f 4294967296|invalid fwmark value `4294967296' specified|2",
            "-A -f x|invalid fwmark value `x' specified|2",
            "-A -6 -f 1|-6 used before -f\\n|2",
            "-A -t 1.1.1.1:80 -6|-6 used before -f\\n|2",
            "-A -t 1.1.1.1:80 -p -M 255.x|illegal virtual server persistent mask specified|2",
            "-A -t [::1]:80 -p -M 129|illegal ipv6 netmask specified|2",
            "-A -t [::1]:80 -p -M 0|illegal ipv6 netmask specified|2",
            "-A -t 1.1.1.1:80 -p 0|invalid timeout value `0' specified|2",
            "-A -t 1.1.1.1:80 -p 2678401|invalid timeout value `2678401' specified|2",
            "-A -t 1.1.1.1:80 -pxyz|invalid timeout value `xyz' specified|2",
            "--set 1 2|--set option requires 3 timeout values|2",
            "--set 1 2 2678401|invalid timeout value `2678401' specified|2",
            "--set 1 2 3 4|unexpected argument 4|2",
            "-a -t 1.1.1.1:80 -r 2.2.2.2 -w -1|illegal weight specified|2",
            "-a -t 1.1.1.1:80 -r 2.2.2.2 -w 2147483648|illegal weight specified|2",
            "-a -t 1.1.1.1:80 -r 2.2.2.2 -w 0x10|illegal weight specified|2",
            "-a -t 1.1.1.1:80 -r 2.2.2.2 -x a|illegal u_threshold specified|2",
            "-a -t 1.1.1.1:80 -r 2.2.2.2 -y 1.5|illegal l_threshold specified|2",
            "--start-daemon master --syncid 256|illegal syncid specified|2",
            "--start-daemon master --mcast-port 0|illegal mcast-port specified|2",
            "--start-daemon master --mcast-ttl 256|illegal mcast-ttl specified|2",
            "--start-daemon master --sync-maxlen 65508|illegal sync-maxlen specified|2",
            "--start-daemon master --mcast-group 10.0.0.1|invalid IPv4 mcast-group `10.0.0.1'|2",
            "--start-daemon master --mcast-group 2001:db8::1|invalid IPv6 mcast-group `2001:db8::1'|2",
            "-a -t 1.1.1.1:80 -r 2.2.2.2 -i --tun-type vxlan|illegal tunnel type specified|2",
            "-a -t 1.1.1.1:80 -r 2.2.2.2 -i --tun-port 0|illegal tunnel port specified|2",
            "--start-daemon foo|illegal start-daemon parameter specified|2",
            "--stop-daemon foo|illegal start_daemon specified|2",
            "-A -t 1.1.1.1:80 -s rr -b sh-port|incompatible scheduler flag `sh-port'|2",
            "-A -t 1.1.1.1:80 -b mh-port|incompatible scheduler flag `mh-port'|2",
            "-A -t 1.1.1.1:80 -s sh -b flag-1,bogus|invalid scheduler flag `bogus'|2",
            // §4 matrix: the three message forms
            "-A|You need to supply the 'service-address' option for the 'add-service' command|2",
            "-a -t 10.0.0.1:80|You need to supply the 'real-server' option for the 'add-server' command|2",
            "-D -t 10.0.0.1:80 -s rr|Illegal 'scheduler' option with the 'delete-service' command|2",
            "-C -n|Illegal 'numeric' option with the 'flush' command|2",
            "-R -n|Illegal 'numeric' option with the 'restore' command|2",
            "-S --nosort|Illegal 'nosort' option with the 'save' command|2",
            "-L -c -t 10.0.0.1:80|The option 'service-address' conflicts with the 'connection' option in the 'list' command|2",
            "-L --timeout --daemon|The option 'daemon' conflicts with the 'timeout' option in the 'list' command|2",
            "-A -s rr -r 1.1.1.1|You need to supply the 'service-address' option for the 'add-service' command|2",
            "-A -t 1.1.1.1:80 -w 3 -r 1.1.1.1|Illegal 'real-server' option with the 'add-service' command|2",
            "--stop-daemon master --mcast-port 1|Illegal 'mcast-port' option with the 'stop-daemon' command|2",
            // list conflicts
            "-L -c --stats|options conflicts in the list command|2",
            "-L --timeout --rate|options conflicts in the list command|2",
            "-L --daemon --persistent-conn|options conflicts in the list command|2",
            // semantic checks
            "-A -t 10.0.0.1|Zero port specified for non-persistent service|2",
            "-E -t 10.0.0.1:0 -s rr|Zero port specified for non-persistent service|2",
            "-A -t 10.0.0.1:53 -o|One-Packet Scheduling is only for UDP virtual services|2",
            "-A --sctp-service 10.0.0.1:53 -o|One-Packet Scheduling is only for UDP virtual services|2",
            "-a -t 10.0.0.1:80 -r [2001:db8::1]:80 -m|Different address family is allowed only for tunneling servers|2",
            "-a -t 10.0.0.1:80 -r 1.1.1.1 -m --tun-type gre|Tunnel options conflict with forward method|2",
            "-a -t 10.0.0.1:80 -r 1.1.1.1 --tun-csum|Tunnel options conflict with forward method|2",
            "-a -t 10.0.0.1:80 -r 1.1.1.1 -i --tun-type gue|You need to supply the 'tun-port' option for the 'gue' tunnel type|2",
            "-a -t 10.0.0.1:80 -r 1.1.1.1 -i --tun-type gre --tun-port 1|Illegal 'tun-port' option with the 'gre' tunnel type|2",
            "-a -t 10.0.0.1:80 -r 1.1.1.1 -i --tun-csum|Illegal 'tun-csum' option with the 'ipip' tunnel type|2",
            "-a -t 10.0.0.1:80 -r 1.1.1.1 -i --tun-type gue --tun-port 1 --tun-csum --tun-remcsum|The option 'tun-remcsum' conflicts with the 'tun-csum' option in the 'gue' tunnel type|2",
            // JVS extensions
            "-a -t 10.0.0.1:80 -r 1.1.1.1 --proxy-protocol v1|Client address options need masquerading (-m)|2",
            "-e -t 10.0.0.1:80 -r 1.1.1.1 -i --transparent|Client address options need masquerading (-m)|2",
            "-a -t 10.0.0.1:80 -r 1.1.1.1 -m --proxy-protocol v3|illegal proxy-protocol version specified|2",
            "-a -t 10.0.0.1:80 -r 1.1.1.1 -m --transparent --proxy-protocol v2|The option 'transparent' conflicts with the 'proxy-protocol' option in the 'add-server' command|2",
            "-A -t 10.0.0.1:80 --transparent|Illegal 'transparent' option with the 'add-service' command|2",
    })
    void invalidCommandLinesGiveIpvsadmsMessageAndStatus(String line, String message, int status) {
        IpvsadmException e = failure(line);
        assertEquals(message.replace("\\n", "\n"), e.getMessage());
        assertEquals(status, e.exitStatus());
    }

    @Test
    void sixUsedBeforeFPrintsAnExtraBlankLine() {
        assertEquals("-6 used before -f\n", failure("-A -6 -f 1").getMessage());
    }

    @Test
    void bundledShortOptionsAreSplit() throws IpvsadmException {
        Parsed lnc = parse("-Lnc");
        assertTrue(lnc.list().numeric());
        assertTrue(lnc.command() instanceof Command.ListConnections);
        assertEquals(new Command.Save(true), parse("-Sn").command());
        Parsed lnx = parse("-lnX --stats");
        assertTrue(lnx.list().exact());
        assertEquals(ListOptions.Columns.STATS, lnx.list().columns());
    }

    @Test
    void attachedValuesAndLongOptionForms() throws IpvsadmException {
        Parsed c = parse("-A -t10.0.0.1:80 -srr -p600 --netmask=255.255.255.0");
        assertEquals(ServiceKey.of(Protocol.TCP, ip("10.0.0.1"), 80), c.serviceKey());
        assertEquals("rr", c.service().scheduler());
        assertEquals(600, c.service().persistenceTimeout());
        assertEquals(0xFFFFFF00, c.service().netmask());
        Parsed d = parse("--add-service --tcp-service 10.0.0.1:80 --scheduler=wrr --persistent=30");
        assertEquals("wrr", d.service().scheduler());
        assertEquals(30, d.service().persistenceTimeout());
    }

    @Test
    void aValueTakingOptionEndsItsBundle() throws IpvsadmException {
        assertEquals(ServiceKey.of(Protocol.TCP, ip("10.0.0.1"), 80), parse("-At10.0.0.1:80").serviceKey());
        Parsed list = parse("-Lnt 10.0.0.1:80");
        assertTrue(list.list().numeric());
        assertEquals(80, list.serviceKey().port());
        assertEquals(600, parse("-A -t 1.1.1.1:80 -p=600").service().persistenceTimeout());
        assertEquals(700, parse("-Ap700 -t 1.1.1.1:80").service().persistenceTimeout());
        assertEquals("-Lnt: missing argument", failure("-Lnt").getMessage());
    }

    @Test
    void persistentTakesTheNextWordOnlyWhenItIsNotAnOption() throws IpvsadmException {
        assertEquals(600, parse("-A -t 1.1.1.1:80 -p 600").service().persistenceTimeout());
        Parsed bare = parse("-A -t 1.1.1.1:80 -p -s rr");
        assertTrue(bare.service().persistent());
        assertEquals(360, bare.service().persistenceTimeout());
        assertEquals("rr", bare.service().scheduler());
        assertEquals(360, parse("-A -t 1.1.1.1:80 -p").service().persistenceTimeout());
        assertEquals(360, parse("-A -t 1.1.1.1:0 -p").service().persistenceTimeout());
    }

    @Test
    void persistentInsideABundleTakesNoValue() {
        assertEquals("unexpected argument 600", failure("-Ap -t 1.1.1.1:80 600").getMessage());
    }

    @Test
    void realServerPortIsInheritedFromTheServiceKnownWhenRIsParsed() throws IpvsadmException {
        assertEquals(8080, parse("-a -t 10.0.0.1:8080 -r 192.168.0.1 -m").server().port());
        assertEquals(0, parse("-a -r 192.168.0.1 -t 10.0.0.1:80 -m").server().port());
        assertEquals(80, parse("-d -t 10.0.0.1:80 -r 192.168.0.1").server().port());
        assertEquals(8080, parse("-a -t 10.0.0.1:80 -r 192.168.0.1:http-alt -m").server().port());
    }

    @Test
    void realServerPortIsForcedToTheServicePortForRouteAndTunnel() throws IpvsadmException {
        RealServerConfig route = parse("-a -t 10.0.0.1:80 -r 192.168.0.1:8080").server();
        assertEquals(80, route.port());
        assertEquals(ForwardMethod.ROUTE, route.method());
        assertEquals(80, parse("-e -t 10.0.0.1:80 -r 192.168.0.1:8080 -i").server().port());
        assertEquals(8080, parse("-a -t 10.0.0.1:80 -r 192.168.0.1:8080 -m").server().port());
        assertEquals(8080, parse("-d -t 10.0.0.1:80 -r 192.168.0.1:8080").server().port());
        assertEquals(8080, parse("-a -f 1 -r 192.168.0.1:8080 -g").server().port());
    }

    @Test
    void editServiceIsAFullReplacementWithDefaults() throws IpvsadmException {
        ServiceConfig edited = parse("-E -t 10.0.0.1:80 -p 600").service();
        assertEquals(new ServiceConfig(ServiceKey.of(Protocol.TCP, ip("10.0.0.1"), 80), "wlc", true, 600,
                0xFFFFFFFF, null, false, 0), edited);
        ServiceConfig plain = parse("-E -t 10.0.0.1:80").service();
        assertEquals(ServiceConfig.defaults(plain.key()), plain);
    }

    @Test
    void editServerIsAFullReplacementWithDefaults() throws IpvsadmException {
        RealServerConfig edited = parse("-e -t 10.0.0.1:80 -r 192.168.0.1").server();
        assertEquals(RealServerConfig.of(ip("192.168.0.1"), 80, ForwardMethod.ROUTE, 1), edited);
    }

    @Test
    void fullRealServerDefinition() throws IpvsadmException {
        RealServerConfig rs = parse("-a -t 10.0.0.1:80 -r 192.168.0.1 -i -w 5 -x 100 -y 50 "
                + "--tun-type gue --tun-port 6080 --tun-remcsum").server();
        assertEquals(new RealServerConfig(ip("192.168.0.1"), 80, ForwardMethod.TUNNEL, 5, 100, 50,
                TunnelType.GUE, 6080, TunnelChecksum.REMCSUM, ClientIpMode.NONE), rs);
        assertEquals(ClientIpMode.PROXY_V2,
                parse("-a -t 10.0.0.1:80 -r 192.168.0.1:8080 -m --proxy-protocol=v2").server().clientIp());
        assertEquals(ClientIpMode.TRANSPARENT,
                parse("-e -t 10.0.0.1:80 -r 192.168.0.1:8080 -m --transparent").server().clientIp());
    }

    @Test
    void addressForms() throws IpvsadmException {
        assertEquals(ip("10.0.0.1"), parse("-A -t 10.1:80").serviceKey().address());
        assertEquals(ip("10.0.0.1"), parse("-A -t 0x0a000001:80").serviceKey().address());
        assertEquals(ip("10.0.0.8"), parse("-A -t 012.0.0.010:80").serviceKey().address());
        ServiceKey v6 = parse("-A -t [2001:db8::1]:http").serviceKey();
        assertEquals(ip("2001:db8::1"), v6.address());
        assertEquals(80, v6.port());
        assertTrue(v6.ipv6());
        ServiceKey bare = parse("-A -u 2001:db8::1 -p").serviceKey();
        assertEquals(0, bare.port());
        assertEquals(Protocol.UDP, bare.protocol());
        assertEquals(53, parse("-A -u 10.0.0.1:domain").serviceKey().port());
        assertEquals(80, parse("-A -t 10.0.0.1:www").serviceKey().port());
        assertEquals(ip("127.0.0.1"), parse("-A -t localhost:80").serviceKey().address());
    }

    @Test
    void ipv6NetmaskDependsOnTheFamilyKnownWhenMIsParsed() throws IpvsadmException {
        assertEquals(64, parse("-A -t [2001:db8::1]:80 -p -M 64").service().netmask());
        // before the service the mask is read as IPv4 and then reset by the IPv6 address
        assertEquals(128, parse("-A -M 64 -p -t [2001:db8::1]:80").service().netmask());
        ServiceConfig fw6 = parse("-A -f 2 -6 -p -M 64").service();
        assertEquals(ServiceKey.fwmark(2, true), fw6.key());
        assertEquals(64, fw6.netmask());
        assertEquals(128, parse("-A -f 2 -6").service().netmask());
    }

    @Test
    void schedulerFlagsAreCheckedAgainstTheScheduler() throws IpvsadmException {
        assertEquals(ServiceConfig.SCHED1 | ServiceConfig.SCHED2,
                parse("-A -t 1.1.1.1:80 -s sh -b sh-fallback,sh-port").service().schedFlags());
        assertEquals(ServiceConfig.SCHED3, parse("-A -t 1.1.1.1:80 -b flag-3").service().schedFlags());
        assertEquals("wlc", parse("-A -t 1.1.1.1:80 -b flag-1").service().scheduler());
    }

    @Test
    void schedulerNameIsTruncatedNotValidated() throws IpvsadmException {
        assertEquals("abcdefghijklmno", parse("-A -t 1.1.1.1:80 -s abcdefghijklmnopq").service().scheduler());
    }

    @Test
    void onePacketSchedulingForUdpAndFwmark() throws IpvsadmException {
        assertTrue(parse("-A -u 1.1.1.1:53 -o").service().onePacket());
        assertTrue(parse("-A -f 7 -o").service().onePacket());
    }

    @Test
    void setTakesThreeTimeouts() throws IpvsadmException {
        assertEquals(new Timeouts(900, 0, 2678400), parse("--set 900 0 2678400").timeouts());
    }

    @Test
    void daemonCommands() throws IpvsadmException {
        SyncDaemonConfig start = parse("--start-daemon master --syncid 5 --mcast-group 224.0.0.81 --mcast-port 8848").daemon();
        assertEquals(new SyncDaemonConfig("master", "eth0", 5, 0, "224.0.0.81", 8848, 0), start);
        assertEquals("eth1", parse("--start-daemon=backup --mcast-interface eth1").daemon().mcastInterface());
        assertEquals("backup", parse("--stop-daemon backup").daemon().state());
        assertEquals(CommandKind.STOP_DAEMON, parse("--stop-daemon master --syncid 3").kind());
        assertEquals("invalid option `master'", failure("-L --start-daemon master").getMessage());
    }

    @Test
    void listOfOneServiceAndZero() throws IpvsadmException {
        Parsed list = parse("-L -n -t 10.0.0.1:80");
        assertEquals(ServiceKey.of(Protocol.TCP, ip("10.0.0.1"), 80), list.serviceKey());
        assertEquals(ListOptions.NUMERIC, list.list());
        assertEquals(new Command.Zero(Optional.empty()), parse("-Z").command());
        assertEquals(ServiceKey.fwmark(3, false), parse("-Z -f 3").serviceKey());
        assertFalse(parse("-L --sort --sort").list().nosort());
        assertEquals(ListOptions.Columns.PERSISTENT_CONN, parse("-L -c --persistent-conn").list().columns());
    }

    @Test
    void fwmarkServicesAreTcpAndIpv4UnlessMarked() throws IpvsadmException {
        ServiceConfig fw = parse("-A -f 4294967295").service();
        assertEquals(ServiceKey.fwmark(4294967295L, false), fw.key());
        assertEquals(Protocol.TCP, fw.key().protocol());
    }
}

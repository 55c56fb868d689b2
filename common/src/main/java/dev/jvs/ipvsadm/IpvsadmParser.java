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

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

/**
 * ipvsadm 1.31's command-line grammar. Hand-written rather than built on an option library because popt's
 * exact quirks (optional {@code -p} value, bundling, error texts, order-dependent options) are the drop-in
 * contract. Scheduler names are not validated here; the director does that.
 */
public final class IpvsadmParser {

    static final long MAX_TIMEOUT = 2678400; // 31 days, ipvsadm's limit for -p and --set

    private IpvsadmParser() {
    }

    /** Parses one command line (without argv[0]); {@code prog} is argv[0] for the usage hint. */
    public static Command parse(String prog, List<String> args) throws IpvsadmException {
        return parse(prog, args, ServicesDatabase.system());
    }

    /** As {@link #parse(String, List)} with the services database used for port names in addresses. */
    public static Command parse(String prog, List<String> args, ServicesDatabase services) throws IpvsadmException {
        if (args.isEmpty()) return new Command.ListServices(Optional.empty(), ListOptions.DEFAULT);
        return new Run(prog, args, services).parse();
    }

    /** ``Try `PROG -h' or 'PROG --help' for more information.`` with exit status 255. */
    public static IpvsadmException usageHint(String prog) {
        return new IpvsadmException("Try `" + prog + " -h' or '" + prog + " --help' for more information.",
                IpvsadmException.FAILURE);
    }

    /** The state of one parse: what the options set so far, in the order they were given. */
    private static final class Run {
        private final String prog;
        private final ServicesDatabase services;
        private final PoptScanner scanner;
        private final Set<OptionRow> given = EnumSet.noneOf(OptionRow.class);
        private CommandKind command;

        // virtual service
        private Protocol protocol;
        private InetAddress serviceAddress;
        private int servicePort;
        private long fwmark;
        private boolean serviceIpv6;
        private String scheduler = "";
        private boolean persistent;
        private int persistenceTimeout = ServiceConfig.DEFAULT_PERSISTENCE_TIMEOUT;
        private int netmask = ServiceConfig.IPV4_HOST_MASK;
        private String persistenceEngine;
        private boolean onePacket;
        private String schedFlagsText;

        // real server
        private InetAddress serverAddress;
        private int serverPort;
        private ForwardMethod method = ForwardMethod.ROUTE;
        private int weight = RealServerConfig.DEFAULT_WEIGHT;
        private int maxConns;
        private int upperThreshold;
        private int lowerThreshold;
        private TunnelType tunnelType = TunnelType.IPIP;
        private int tunnelPort;
        private TunnelChecksum tunnelChecksum = TunnelChecksum.NOCSUM;
        private ClientIpMode clientIp = ClientIpMode.NONE;

        // sync daemon
        private String daemonState;
        private String mcastInterface;
        private int syncId;
        private int syncMaxLen;
        private String mcastGroup;
        private int mcastPort;
        private int mcastTtl;

        Run(String prog, List<String> args, ServicesDatabase services) {
            this.prog = prog;
            this.services = services;
            this.scanner = new PoptScanner(args);
        }

        Command parse() throws IpvsadmException {
            parseCommand();
            if (command == CommandKind.HELP) return new Command.Help();
            if (command == CommandKind.VERSION) return new Command.Version();
            try {
                for (PoptScanner.Found found; (found = scanner.next()) != null; ) apply(found);
            } catch (PoptScanner.PoptError e) {
                throw new IpvsadmException(e.getMessage(), IpvsadmException.FAILURE);
            }
            List<String> leftovers = scanner.leftovers();
            Timeouts timeouts = command == CommandKind.SET ? parseTimeouts(leftovers) : null;
            int used = command == CommandKind.SET ? 3 : 0;
            if (leftovers.size() > used) throw invalid("unexpected argument " + leftovers.get(used));
            checkMatrix();
            checkSemantics();
            return build(timeouts);
        }

        /** The first option must be a command; anything else (or a malformed first option) gets the usage hint. */
        private void parseCommand() throws IpvsadmException {
            PoptScanner.Found first;
            try {
                first = scanner.next();
            } catch (PoptScanner.PoptError e) {
                throw usageHint(prog);
            }
            if (first == null || first.option().command == null) throw usageHint(prog);
            command = first.option().command;
            if (command == CommandKind.START_DAEMON || command == CommandKind.STOP_DAEMON) {
                if (!first.value().equals("master") && !first.value().equals("backup")) {
                    throw invalid(command == CommandKind.START_DAEMON
                            ? "illegal start-daemon parameter specified" : "illegal start_daemon specified");
                }
                daemonState = first.value();
            }
        }

        private void apply(PoptScanner.Found found) throws IpvsadmException {
            PoptOption option = found.option();
            String value = found.value();
            if (option.command != null) throw invalid("invalid option `" + scanner.lastConsumed() + "'");
            if (option.row != null && !given.add(option.row)) {
                throw invalid("multiple '" + option.row.messageName() + "' options specified");
            }
            switch (option) {
                case TCP_SERVICE -> serviceAddress(Protocol.TCP, value);
                case UDP_SERVICE -> serviceAddress(Protocol.UDP, value);
                case SCTP_SERVICE -> serviceAddress(Protocol.SCTP, value);
                case FWMARK_SERVICE -> {
                    OptionalLong mark = CNumbers.decimal(value, 1, 0xFFFFFFFFL);
                    if (mark.isEmpty()) throw invalid("invalid fwmark value `" + value + "' specified");
                    fwmark = mark.getAsLong();
                    protocol = Protocol.TCP; // ipvsadm sends fwmark services as TCP, IPv4 unless -6 follows
                    serviceAddress = null;
                    servicePort = 0;
                    serviceIpv6 = false;
                }
                case IPV6 -> {
                    if (!given.contains(OptionRow.SERVICE) || fwmark == 0) throw invalid("-6 used before -f\n");
                    serviceIpv6 = true;
                    netmask = ServiceConfig.IPV6_HOST_PREFIX;
                }
                case SCHEDULER -> scheduler = truncate(value, 15);
                case PERSISTENT -> {
                    persistent = true;
                    if (value != null) persistenceTimeout = (int) timeoutValue(value, 1);
                }
                case NETMASK -> netmask(value);
                case PE -> persistenceEngine = value.isEmpty() ? null : truncate(value, 16);
                case SCHED_FLAGS -> schedFlagsText = value;
                case OPS -> onePacket = true;
                case REAL_SERVER -> realServer(value);
                case GATEWAYING -> method = ForwardMethod.ROUTE;
                case IPIP -> method = ForwardMethod.TUNNEL;
                case MASQUERADING -> method = ForwardMethod.MASQ;
                case WEIGHT -> weight = intOption(value, "illegal weight specified");
                case U_THRESHOLD -> upperThreshold = intOption(value, "illegal u_threshold specified");
                case L_THRESHOLD -> lowerThreshold = intOption(value, "illegal l_threshold specified");
                case TUN_TYPE -> tunnelType = switch (value) {
                    case "ipip" -> TunnelType.IPIP;
                    case "gue" -> TunnelType.GUE;
                    case "gre" -> TunnelType.GRE;
                    default -> throw invalid("illegal tunnel type specified");
                };
                case TUN_PORT -> tunnelPort = (int) ranged(value, 1, 65535, "illegal tunnel port specified");
                case TUN_NOCSUM -> tunnelChecksum = TunnelChecksum.NOCSUM;
                case TUN_CSUM -> tunnelChecksum = TunnelChecksum.CSUM;
                case TUN_REMCSUM -> tunnelChecksum = TunnelChecksum.REMCSUM;
                case MCAST_INTERFACE -> mcastInterface = truncate(value, 15);
                case SYNCID -> syncId = (int) ranged(value, 0, 255, "illegal syncid specified");
                case SYNC_MAXLEN -> syncMaxLen = (int) ranged(value, 1, 65507, "illegal sync-maxlen specified");
                case MCAST_GROUP -> mcastGroup(value);
                case MCAST_PORT -> mcastPort = (int) ranged(value, 1, 65535, "illegal mcast-port specified");
                case MCAST_TTL -> mcastTtl = (int) ranged(value, 1, 255, "illegal mcast-ttl specified");
                case PROXY_PROTOCOL -> clientIp = switch (value) {
                    case "v1" -> ClientIpMode.PROXY_V1;
                    case "v2" -> ClientIpMode.PROXY_V2;
                    default -> throw invalid("illegal proxy-protocol version specified");
                };
                case TRANSPARENT -> clientIp = ClientIpMode.TRANSPARENT;
                case MAX_CONNS -> maxConns = intOption(value, "illegal max-conns specified");
                default -> {
                    // list modifiers and --sort: presence (recorded in 'given') is all that matters
                }
            }
        }

        private void serviceAddress(Protocol proto, String value) throws IpvsadmException {
            protocol = proto;
            Endpoint endpoint = endpoint(value, proto);
            if (endpoint == null) throw invalid("illegal virtual server address[:port] specified");
            fwmark = 0;
            serviceAddress = endpoint.address();
            servicePort = endpoint.port() < 0 ? 0 : endpoint.port();
            serviceIpv6 = endpoint.address() instanceof Inet6Address;
            if (serviceIpv6) netmask = ServiceConfig.IPV6_HOST_PREFIX;
        }

        private void realServer(String value) throws IpvsadmException {
            // the port and the protocol for a port name are those of the service as known right now
            Endpoint endpoint = endpoint(value, protocol);
            if (endpoint == null) throw invalid("illegal real server address[:port] specified");
            serverAddress = endpoint.address();
            serverPort = endpoint.port() < 0 ? servicePort : endpoint.port();
        }

        /** -M is a dotted mask for IPv4 and a prefix length for IPv6, by the family known when -M is parsed. */
        private void netmask(String value) throws IpvsadmException {
            if (serviceIpv6) {
                long prefix = CNumbers.atoi(value);
                if (prefix < 1 || prefix > 128) throw invalid("illegal ipv6 netmask specified");
                netmask = (int) prefix;
                return;
            }
            Inet4Address mask = InetText.parseInetAton(value);
            if (mask == null) mask = resolveIpv4(value);
            if (mask == null) throw invalid("illegal virtual server persistent mask specified");
            netmask = InetText.toInt(mask);
        }

        private void mcastGroup(String value) throws IpvsadmException {
            if (value.contains(":")) {
                Inet6Address group = InetText.parseIpv6(value);
                if (group == null || !group.isMulticastAddress()) {
                    throw invalid("invalid IPv6 mcast-group `" + value + "'");
                }
            } else {
                Inet4Address group = InetText.parseDottedQuad(value);
                if (group == null || !group.isMulticastAddress()) {
                    throw invalid("invalid IPv4 mcast-group `" + value + "'");
                }
            }
            mcastGroup = value;
        }

        private Endpoint endpoint(String text, Protocol proto) {
            return Endpoint.parse(text, proto, services);
        }

        private static long timeoutValue(String text, long min) throws IpvsadmException {
            OptionalLong value = CNumbers.decimal(text, min, MAX_TIMEOUT);
            if (value.isEmpty()) throw invalid("invalid timeout value `" + text + "' specified");
            return value.getAsLong();
        }

        private static int intOption(String text, String message) throws IpvsadmException {
            return (int) ranged(text, 0, Integer.MAX_VALUE, message);
        }

        private static long ranged(String text, long min, long max, String message) throws IpvsadmException {
            OptionalLong value = CNumbers.decimal(text, min, max);
            if (value.isEmpty()) throw invalid(message);
            return value.getAsLong();
        }

        private static Timeouts parseTimeouts(List<String> values) throws IpvsadmException {
            if (values.size() < 3) throw invalid("--set option requires 3 timeout values");
            return new Timeouts((int) timeoutValue(values.get(0), 0), (int) timeoutValue(values.get(1), 0),
                    (int) timeoutValue(values.get(2), 0));
        }

        /** ipvsadm's generic_opt_check: rows in order, first violation wins. */
        private void checkMatrix() throws IpvsadmException {
            String cmd = command.messageName();
            OptionRow firstExclusive = null;
            for (OptionRow row : OptionRow.values()) {
                char rule = row.rule(command);
                if (!given.contains(row)) {
                    if (rule == '+') {
                        throw invalid("You need to supply the '" + row.messageName() + "' option for the '"
                                + cmd + "' command");
                    }
                } else if (rule == 'x') {
                    throw invalid("Illegal '" + row.messageName() + "' option with the '" + cmd + "' command");
                } else if (rule == '1') {
                    if (firstExclusive != null) {
                        throw invalid("The option '" + row.messageName() + "' conflicts with the '"
                                + firstExclusive.messageName() + "' option in the '" + cmd + "' command");
                    }
                    firstExclusive = row;
                }
            }
        }

        private void checkSemantics() throws IpvsadmException {
            if (command == CommandKind.LIST) checkListConflicts();
            if (command == CommandKind.ADD_SERVICE || command == CommandKind.EDIT_SERVICE) {
                if (fwmark == 0 && servicePort == 0 && !persistent) {
                    throw invalid("Zero port specified for non-persistent service");
                }
                if (onePacket && fwmark == 0 && protocol != Protocol.UDP) {
                    throw invalid("One-Packet Scheduling is only for UDP virtual services");
                }
            }
            if (command == CommandKind.ADD_SERVER || command == CommandKind.EDIT_SERVER) {
                // Route and Tunnel cannot translate ports: ipvsadm silently uses the service port
                if (fwmark == 0 && method != ForwardMethod.MASQ) serverPort = servicePort;
                boolean serverIpv6 = serverAddress instanceof Inet6Address;
                if (serverIpv6 != serviceIpv6 && method != ForwardMethod.TUNNEL) {
                    throw invalid("Different address family is allowed only for tunneling servers");
                }
                checkTunnelOptions();
                if (clientIp != ClientIpMode.NONE && method != ForwardMethod.MASQ) {
                    throw invalid("Client address options need masquerading (-m)");
                }
            }
        }

        private void checkListConflicts() throws IpvsadmException {
            boolean mode = given.contains(OptionRow.CONNECTION) || given.contains(OptionRow.TIMEOUT)
                    || given.contains(OptionRow.DAEMON);
            boolean counters = given.contains(OptionRow.STATS) || given.contains(OptionRow.RATE)
                    || given.contains(OptionRow.THRESHOLDS);
            boolean noPersistView = given.contains(OptionRow.TIMEOUT) || given.contains(OptionRow.DAEMON);
            if (mode && counters || noPersistView && given.contains(OptionRow.PERSISTENT_CONN)) {
                throw invalid("options conflicts in the list command");
            }
        }

        /** The tunnel-type × tunnel-option matrix, same three message forms as the command matrix. */
        private void checkTunnelOptions() throws IpvsadmException {
            List<OptionRow> tunnelRows = List.of(OptionRow.TUN_PORT, OptionRow.TUN_NOCSUM, OptionRow.TUN_CSUM,
                    OptionRow.TUN_REMCSUM);
            if (method != ForwardMethod.TUNNEL) {
                // a loop, not a stream: every CLI call passes here, and a method reference costs it an
                // invokedynamic bootstrap
                boolean tunnelOption = given.contains(OptionRow.TUN_TYPE);
                for (OptionRow row : tunnelRows) tunnelOption |= given.contains(row);
                if (tunnelOption) {
                    throw invalid("Tunnel options conflict with forward method");
                }
                return;
            }
            String rules = switch (tunnelType) {
                case IPIP -> "xxxx";
                case GUE -> "+111";
                case GRE -> "x11x";
            };
            String type = tunnelType.optionValue();
            OptionRow firstExclusive = null;
            for (int i = 0; i < tunnelRows.size(); i++) {
                OptionRow row = tunnelRows.get(i);
                char rule = rules.charAt(i);
                if (!given.contains(row)) {
                    if (rule == '+') {
                        throw invalid("You need to supply the '" + row.messageName() + "' option for the '"
                                + type + "' tunnel type");
                    }
                } else if (rule == 'x') {
                    throw invalid("Illegal '" + row.messageName() + "' option with the '" + type + "' tunnel type");
                } else if (rule == '1') {
                    if (firstExclusive != null) {
                        throw invalid("The option '" + row.messageName() + "' conflicts with the '"
                                + firstExclusive.messageName() + "' option in the '" + type + "' tunnel type");
                    }
                    firstExclusive = row;
                }
            }
        }

        private int schedFlags(String schedulerName) throws IpvsadmException {
            if (schedFlagsText == null) return 0;
            int flags = 0;
            for (String word : schedFlagsText.split(",")) {
                if (word.isEmpty()) continue; // strtok skips empty fields
                int bit;
                String onlyFor = null;
                switch (word) {
                    case "flag-1" -> bit = ServiceConfig.SCHED1;
                    case "flag-2" -> bit = ServiceConfig.SCHED2;
                    case "flag-3" -> bit = ServiceConfig.SCHED3;
                    case "sh-fallback" -> { bit = ServiceConfig.SCHED1; onlyFor = "sh"; }
                    case "sh-port" -> { bit = ServiceConfig.SCHED2; onlyFor = "sh"; }
                    case "mh-fallback" -> { bit = ServiceConfig.SCHED1; onlyFor = "mh"; }
                    case "mh-port" -> { bit = ServiceConfig.SCHED2; onlyFor = "mh"; }
                    default -> throw invalid("invalid scheduler flag `" + word + "'");
                }
                if (onlyFor != null && !onlyFor.equals(schedulerName)) {
                    throw invalid("incompatible scheduler flag `" + word + "'");
                }
                flags |= bit;
            }
            return flags;
        }

        private Command build(Timeouts timeouts) throws IpvsadmException {
            ServiceKey key = null;
            if (fwmark != 0) key = ServiceKey.fwmark(fwmark, serviceIpv6);
            else if (serviceAddress != null) key = ServiceKey.of(protocol, serviceAddress, servicePort);
            return switch (command) {
                case ADD_SERVICE -> new Command.AddService(serviceConfig(key));
                case EDIT_SERVICE -> new Command.EditService(serviceConfig(key));
                case DELETE_SERVICE -> new Command.DeleteService(key);
                case FLUSH -> new Command.Flush();
                case ADD_SERVER -> new Command.AddServer(key, serverConfig());
                case EDIT_SERVER -> new Command.EditServer(key, serverConfig());
                case DELETE_SERVER -> new Command.DeleteServer(key, RealServerConfig.of(serverAddress, serverPort,
                        ForwardMethod.ROUTE, RealServerConfig.DEFAULT_WEIGHT));
                case ZERO -> new Command.Zero(Optional.ofNullable(key));
                case SET -> new Command.SetTimeouts(timeouts);
                case START_DAEMON -> new Command.StartDaemon(new SyncDaemonConfig(daemonState,
                        mcastInterface == null ? "eth0" : mcastInterface, syncId, syncMaxLen, mcastGroup,
                        mcastPort, mcastTtl));
                case STOP_DAEMON -> new Command.StopDaemon(new SyncDaemonConfig(daemonState, mcastInterface, syncId,
                        0, null, 0, 0));
                // the first of --timeout, --daemon, -c wins, as in ipvsadm's list_all
                case LIST -> given.contains(OptionRow.TIMEOUT) ? new Command.ListTimeouts()
                        : given.contains(OptionRow.DAEMON) ? new Command.ListDaemons()
                        : given.contains(OptionRow.CONNECTION) ? new Command.ListConnections(listOptions())
                        : new Command.ListServices(Optional.ofNullable(key), listOptions());
                case SAVE -> new Command.Save(given.contains(OptionRow.NUMERIC));
                case RESTORE -> new Command.Restore();
                case HELP -> new Command.Help();
                case VERSION -> new Command.Version();
            };
        }

        /** Edits are full replacements: everything not given takes ipvsadm's default. */
        private ServiceConfig serviceConfig(ServiceKey key) throws IpvsadmException {
            String sched = scheduler.isEmpty() ? ServiceConfig.DEFAULT_SCHEDULER : scheduler;
            return new ServiceConfig(key, sched, persistent, persistenceTimeout, netmask, persistenceEngine, onePacket,
                    schedFlags(sched), maxConns);
        }

        private RealServerConfig serverConfig() {
            return new RealServerConfig(serverAddress, serverPort, method, weight, upperThreshold, lowerThreshold,
                    tunnelType, tunnelPort, tunnelChecksum, clientIp);
        }

        /** ipvsadm shows the first of --stats, --rate, --thresholds, --persistent-conn, --tun-info given. */
        private ListOptions listOptions() {
            ListOptions.Columns columns = given.contains(OptionRow.STATS) ? ListOptions.Columns.STATS
                    : given.contains(OptionRow.RATE) ? ListOptions.Columns.RATE
                    : given.contains(OptionRow.THRESHOLDS) ? ListOptions.Columns.THRESHOLDS
                    : given.contains(OptionRow.PERSISTENT_CONN) ? ListOptions.Columns.PERSISTENT_CONN
                    : given.contains(OptionRow.TUN_INFO) ? ListOptions.Columns.TUN_INFO
                    : ListOptions.Columns.CONNECTIONS;
            return new ListOptions(given.contains(OptionRow.NUMERIC), columns, given.contains(OptionRow.EXACT),
                    given.contains(OptionRow.NOSORT));
        }

        private static String truncate(String text, int max) {
            return text.length() > max ? text.substring(0, max) : text;
        }

        private static IpvsadmException invalid(String message) {
            return IpvsadmException.invalid(message);
        }
    }

    /** A hostname resolved to its first IPv4 address (gethostbyname semantics), or null. */
    static Inet4Address resolveIpv4(String host) {
        boolean hostNameChars = host.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '.' || c == '-' || c == '_');
        if (host.isEmpty() || !hostNameChars) {
            return null; // not a host name: keep Java from reading it as some other literal form
        }
        try {
            for (InetAddress address : InetAddress.getAllByName(host)) {
                if (address instanceof Inet4Address v4) return v4;
            }
        } catch (java.net.UnknownHostException | SecurityException e) {
            return null;
        }
        return null;
    }

    /** An address with its port; port -1 when the text gave none. */
    record Endpoint(InetAddress address, int port) {

        /** ipvsadm's parse_service; null for anything it rejects. */
        static Endpoint parse(String text, Protocol protocol, ServicesDatabase services) {
            if (text.isEmpty() || CNumbers.allDigits(text)) return null;
            String portText = null;
            InetAddress address;
            if (text.startsWith("[")) {
                int close = text.indexOf(']');
                if (close < 0 || !text.startsWith(":", close + 1)) return null;
                address = InetText.parseIpv6(text.substring(1, close));
                portText = text.substring(close + 2);
            } else {
                address = text.indexOf(':') >= 0 ? InetText.parseIpv6(text) : null;
                if (address == null) { // IPv4 or host name, with the port after the last ':'
                    String host = text;
                    int colon = text.lastIndexOf(':');
                    if (colon >= 0) {
                        host = text.substring(0, colon);
                        portText = text.substring(colon + 1);
                    }
                    address = InetText.parseInetAton(host);
                    if (address == null) address = resolveIpv4(host);
                }
            }
            if (address == null) return null;
            if (portText == null) return new Endpoint(address, -1);
            OptionalLong number = CNumbers.decimal(portText, 0, 65535);
            if (number.isPresent()) return new Endpoint(address, (int) number.getAsLong());
            OptionalInt named = services.port(portText, protocol);
            return named.isPresent() ? new Endpoint(address, named.getAsInt()) : null;
        }
    }
}

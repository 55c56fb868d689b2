package dev.jvs.healthcheck.config;

import dev.jvs.model.ClientIpMode;
import dev.jvs.model.ForwardMethod;
import dev.jvs.model.Protocol;
import dev.jvs.model.RealServerConfig;
import dev.jvs.model.ServiceConfig;
import dev.jvs.model.ServiceKey;
import dev.jvs.model.TunnelChecksum;
import dev.jvs.model.TunnelType;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static dev.jvs.healthcheck.config.ConfigValues.address;
import static dev.jvs.healthcheck.config.ConfigValues.addressRange;
import static dev.jvs.healthcheck.config.ConfigValues.script;
import static dev.jvs.healthcheck.config.ConfigValues.bool;
import static dev.jvs.healthcheck.config.ConfigValues.integer;
import static dev.jvs.healthcheck.config.ConfigValues.port;
import static dev.jvs.healthcheck.config.ConfigValues.positiveTimer;
import static dev.jvs.healthcheck.config.ConfigValues.required;
import static dev.jvs.healthcheck.config.ConfigValues.timer;

/**
 * Gives meaning to the LVS part of the tree: {@code global_defs} (script settings), {@code virtual_server_group},
 * {@code virtual_server}, {@code real_server} and the checker blocks, with keepalived's defaults, inheritance
 * and auto-corrections. Problems are collected, never thrown: one bad line must not hide the next.
 *
 * <p>Deliberate difference: keepalived parses an unknown keyword's {@code { }} body at the current level, which
 * can shift the nesting; here the whole body is skipped, with a warning naming the keyword's line.
 */
final class LvsConfigParser {

    static final Duration DEFAULT_DELAY_LOOP = Duration.ofSeconds(60);
    static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    static final String DEFAULT_SCHEDULER = "wlc";

    /** Checker keywords that set where a check connects; SMTP_CHECK host blocks matter only without them. */
    private static final Set<String> CONNECTION_KEYWORDS =
            Set.of("connect_ip", "connect_port", "bindto", "bind_port", "bind_if", "fwmark", "connect_timeout");

    /** Schedulers keepalived accepts ({@code lvs_schedulers[]}). */
    static final Set<String> SCHEDULERS =
            Set.of("rr", "wrr", "lc", "wlc", "lblc", "sh", "mh", "dh", "fo", "ovf", "lblcr", "sed", "nq", "twos");

    /** Top-level sections of the other keepalived processes: kept in the tree, not interpreted here. */
    static final Set<String> OTHER_SECTIONS = Set.of("global_defs", "linkbeat_interfaces",
            "interface_up_down_delays", "track_group", "static_ipaddress", "static_routes", "static_rules",
            "track_file", "vrrp_track_process", "bfd_instance", "vrrp_script", "vrrp_sync_group", "garp_group",
            "vrrp_instance", "SSL", "net_namespace", "net_namespace_ipvs", "instance", "use_pid_dir",
            "child_wait_time", "linkbeat_use_polling", "include_check");


    private final List<ConfigProblem> problems;

    LvsConfigParser(List<ConfigProblem> problems) {
        this.problems = problems;
    }

    // ---------------------------------------------------------------- global_defs

    GlobalSettings globals(List<ConfigNode> roots) {
        Optional<String> routerId = Optional.empty();
        Optional<String> scriptUser = Optional.empty();
        Optional<String> scriptGroup = Optional.empty();
        boolean security = false;
        boolean logAll = false;
        for (ConfigNode defs : roots) {
            if (!defs.keyword().equals("global_defs")) continue;
            for (ConfigNode n : defs.children()) {
                switch (n.keyword()) {
                    case "router_id" -> routerId = n.arg(0);
                    case "script_user" -> {
                        String user = n.arg(0).orElse("");
                        if (user.isEmpty()) {
                            error(n, "script_user needs a user name");
                            continue;
                        }
                        // USER GROUP, or USER:GROUP
                        int colon = user.indexOf(':');
                        scriptUser = Optional.of(colon < 0 ? user : user.substring(0, colon));
                        scriptGroup = colon >= 0 ? Optional.of(user.substring(colon + 1))
                                : n.arg(1).map(g -> g.startsWith(":") ? g.substring(1) : g);
                    }
                    case "enable_script_security" -> security = globalBool(n, security);
                    case "checker_log_all_failures" -> logAll = globalBool(n, logAll);
                    default -> { } // the VRRP side and the notification settings: kept in the tree
                }
            }
        }
        return new GlobalSettings(routerId, scriptUser, scriptGroup, security, logAll);
    }

    private boolean globalBool(ConfigNode n, boolean unchanged) {
        try {
            return bool(n, true);
        } catch (ConfigException e) {
            problems.addAll(e.problems());
            return unchanged;
        }
    }

    // ---------------------------------------------------------------- virtual servers

    List<VirtualServerDef> virtualServers(List<ConfigNode> roots) {
        Map<String, List<ServiceTarget>> groups = new HashMap<>();
        for (ConfigNode n : roots) {
            if (n.keyword().equals("virtual_server_group")) group(n, groups);
        }
        List<VirtualServerDef> result = new ArrayList<>();
        Set<ServiceKey> seen = new LinkedHashSet<>();
        for (ConfigNode n : roots) {
            switch (n.keyword()) {
                case "virtual_server" -> {
                    VirtualServerDef vs = virtualServer(n, groups);
                    if (vs == null) continue;
                    boolean duplicate = false;
                    for (ServiceConfig s : vs.services()) {
                        if (!seen.add(s.key())) {
                            error(n, "virtual server " + describeKey(s.key()) + " is defined twice");
                            duplicate = true;
                        }
                    }
                    if (!duplicate) result.add(vs);
                }
                case "virtual_server_group" -> { }
                default -> {
                    if (!OTHER_SECTIONS.contains(n.keyword())) unknown(n, "at top level");
                }
            }
        }
        return result;
    }

    /** One entry of a group: an address service (port may be 0 = not given) or a fwmark. */
    private record ServiceTarget(InetAddress address, int port, long fwmark, boolean ipv6) {}

    private void group(ConfigNode node, Map<String, List<ServiceTarget>> groups) {
        Optional<String> name = node.arg(0);
        if (name.isEmpty()) {
            error(node, "virtual_server_group needs a name");
            return;
        }
        List<ServiceTarget> targets = new ArrayList<>();
        for (ConfigNode entry : node.children()) {
            try {
                if (entry.keyword().equals("fwmark")) {
                    long mark = fwmark(entry, required(entry, 0));
                    boolean v6 = entry.arg(1).map(f -> f.equals("inet6")).orElse(false);
                    targets.add(new ServiceTarget(null, 0, mark, v6));
                } else {
                    int port = port(entry, 0, 0);
                    for (InetAddress a : addressRange(entry, entry.keyword())) {
                        targets.add(new ServiceTarget(a, port, 0, !(a instanceof Inet4Address)));
                    }
                }
            } catch (ConfigException e) {
                error(entry, "virtual_server_group " + name.get() + ": " + e.reason());
            }
        }
        if (targets.isEmpty()) {
            error(node, "virtual_server_group " + name.get() + " has no entries; removed");
            return;
        }
        groups.put(name.get(), targets);
    }

    /** The settings a virtual_server block gives its real servers and checkers when they say nothing. */
    private record Inherited(Duration delayLoop, Duration connectTimeout, Integer retry, Duration delayBeforeRetry,
                             Duration warmup, boolean alpha, boolean inhibit, int weight, ForwardMethod method,
                             TunnelSettings tunnel, Optional<String> virtualhost, boolean logAllFailures) {}

    private record TunnelSettings(TunnelType type, int port, TunnelChecksum checksum) {
        static final TunnelSettings NONE = new TunnelSettings(TunnelType.IPIP, 0, TunnelChecksum.NOCSUM);
    }

    private VirtualServerDef virtualServer(ConfigNode node, Map<String, List<ServiceTarget>> groups) {
        List<ServiceTarget> targets;
        String name;
        boolean fwmark = false;
        try {
            String first = node.arg(0).orElseThrow(() -> ConfigException.at(node, "virtual_server needs an address, 'fwmark N' or 'group NAME'"));
            if (first.equals("group")) {
                String group = node.arg(1).orElseThrow(() -> ConfigException.at(node, "virtual_server group needs a name"));
                targets = groups.get(group);
                if (targets == null) throw ConfigException.at(node, "virtual_server_group " + group + " is not defined");
                name = "group " + group;
                fwmark = targets.stream().allMatch(t -> t.fwmark != 0);
            } else if (first.equals("fwmark")) {
                long mark = fwmark(node, node.arg(1).orElseThrow(() -> ConfigException.at(node, "fwmark needs a number")));
                if (mark <= 0) throw ConfigException.at(node, "invalid fwmark " + mark);
                targets = List.of(new ServiceTarget(null, 0, mark, false));
                name = "FWM " + mark;
                fwmark = true;
            } else {
                InetAddress address = address(node, first);
                int port = port(node, 1, 0);
                targets = List.of(new ServiceTarget(address, port, 0, !(address instanceof Inet4Address)));
                name = null;
            }
        } catch (ConfigException e) {
            problems.addAll(e.problems());
            return null;
        }
        if (!node.block()) {
            error(node, "missing '{' at beginning of configuration block");
            return null;
        }

        String scheduler = null;
        ForwardMethod method = null;
        TunnelSettings tunnel = TunnelSettings.NONE;
        boolean persistent = false;
        int persistenceTimeout = ServiceConfig.DEFAULT_PERSISTENCE_TIMEOUT;
        Integer netmask = null;
        String persistenceEngine = null;
        boolean onePacket = false;
        int schedFlags = 0;
        Protocol protocol = null;
        Duration delayLoop = null;
        Duration connectTimeout = null;
        Integer retry = null;
        Duration delayBeforeRetry = null;
        Duration warmup = null;
        boolean alpha = false;
        boolean omega = false;
        boolean haSuspend = false;
        boolean inhibit = false;
        boolean ipv6Family = false;
        int quorum = 1;
        int hysteresis = 0;
        int weight = RealServerConfig.DEFAULT_WEIGHT;
        Optional<String> virtualhost = Optional.empty();
        Optional<ScriptDef> quorumUp = Optional.empty();
        Optional<ScriptDef> quorumDown = Optional.empty();
        ConfigNode sorryNode = null;
        boolean sorryInhibit = false;
        ForwardMethod sorryMethod = null;
        List<ConfigNode> realServerNodes = new ArrayList<>();

        for (ConfigNode n : node.children()) {
            try {
                switch (n.keyword()) {
                    case "lvs_sched", "lb_algo" -> {
                        String s = required(n, 0).toLowerCase(Locale.ROOT);
                        if (!SCHEDULERS.contains(s)) throw ConfigException.at(n, "unknown scheduler '" + s + "'");
                        scheduler = s;
                    }
                    case "lvs_method", "lb_kind" -> {
                        method = forwardMethod(n, required(n, 0));
                        tunnel = method == ForwardMethod.TUNNEL ? tunnel(n) : TunnelSettings.NONE;
                    }
                    case "persistence_timeout" -> {
                        persistent = true;
                        persistenceTimeout = n.args().isEmpty() ? ServiceConfig.DEFAULT_PERSISTENCE_TIMEOUT
                                : integer(n, n.args().get(0), 1, 31 * 24 * 3600, "persistence_timeout");
                    }
                    case "persistence_granularity" -> {
                        netmask = granularity(n, required(n, 0));
                        persistent = true;
                    }
                    case "persistence_engine" -> persistenceEngine = required(n, 0);
                    case "protocol" -> {
                        String p = required(n, 0).toUpperCase(Locale.ROOT);
                        protocol = switch (p) {
                            case "TCP" -> Protocol.TCP;
                            case "UDP" -> Protocol.UDP;
                            case "SCTP" -> Protocol.SCTP;
                            default -> throw ConfigException.at(n, "unknown protocol '" + required(n, 0) + "'");
                        };
                    }
                    case "ip_family" -> ipv6Family = required(n, 0).equals("inet6");
                    case "delay_loop" -> delayLoop = positiveTimer(n);
                    case "connect_timeout" -> connectTimeout = positiveTimer(n);
                    case "retry" -> retry = integer(n, required(n, 0), 1, Integer.MAX_VALUE, "retry");
                    case "delay_before_retry" -> delayBeforeRetry = timer(n);
                    case "warmup" -> warmup = timer(n);
                    case "alpha" -> alpha = bool(n, true);
                    case "omega" -> omega = bool(n, true);
                    case "ha_suspend" -> haSuspend = bool(n, true);
                    case "inhibit_on_failure" -> inhibit = bool(n, true);
                    case "quorum" -> quorum = integer(n, required(n, 0), 1, Integer.MAX_VALUE, "quorum");
                    case "hysteresis" -> hysteresis = integer(n, required(n, 0), 0, Integer.MAX_VALUE, "hysteresis");
                    case "weight" -> weight = integer(n, required(n, 0), 0, Integer.MAX_VALUE, "weight");
                    case "virtualhost" -> virtualhost = Optional.of(required(n, 0));
                    case "quorum_up" -> quorumUp = Optional.of(script(n));
                    case "quorum_down" -> quorumDown = Optional.of(script(n));
                    case "sorry_server" -> sorryNode = n;
                    case "sorry_server_inhibit" -> {
                        if (sorryNode == null) throw ConfigException.at(n, "sorry_server_inhibit must come after sorry_server");
                        sorryInhibit = bool(n, true);
                    }
                    case "sorry_server_lvs_method" -> sorryMethod = forwardMethod(n, required(n, 0));
                    case "real_server" -> realServerNodes.add(n);
                    case "ops" -> onePacket = true;
                    case "flag-1" -> schedFlags |= ServiceConfig.SCHED1;
                    case "flag-2" -> schedFlags |= ServiceConfig.SCHED2;
                    case "flag-3" -> schedFlags |= ServiceConfig.SCHED3;
                    case "sh-port", "sh-fallback", "mh-port", "mh-fallback" -> {
                        String needed = n.keyword().substring(0, 2);
                        if (!needed.equals(scheduler)) {
                            throw ConfigException.at(n, n.keyword() + " only applies to " + needed + " scheduler");
                        }
                        schedFlags |= n.keyword().endsWith("fallback") ? ServiceConfig.SCHED1 : ServiceConfig.SCHED2;
                    }
                    case "hashed" -> {
                        if (!"sh".equals(scheduler) && !"mh".equals(scheduler)) {
                            throw ConfigException.at(n, "hashed only applies to sh scheduler");
                        }
                    }
                    case "smtp_alert", "snmp_name", "lvs_notify_fifo" -> { } // notifications JVS does not send
                    default -> unknown(n, "in virtual_server");
                }
            } catch (ConfigException e) {
                problems.addAll(e.problems());
            }
        }

        if (fwmark) {
            if (protocol != null) warning(node, "protocol is ignored for a fwmark virtual server");
            protocol = Protocol.TCP;
            if (haSuspend) {
                error(node, "ha_suspend is not allowed with a fwmark virtual server");
                haSuspend = false;
            }
        } else if (protocol == null) {
            // The kernel's own default, kept by keepalived; operators are told, in keepalived's words.
            warning(node, "Virtual server " + vsLabel(name, targets.get(0), "none") + ": no protocol set - defaulting to UDP");
            protocol = Protocol.UDP;
        }
        String label = vsLabel(name, targets.get(0), protocol.servicesName());
        if (scheduler == null) {
            warning(node, "Virtual server " + label + ": no scheduler set, setting default '" + DEFAULT_SCHEDULER + "'");
            scheduler = DEFAULT_SCHEDULER;
        }
        if (method == null) {
            warning(node, "Virtual server " + label + ": no forwarding method set, setting default NAT");
            method = ForwardMethod.MASQ;
        }
        if (onePacket && protocol != Protocol.UDP) {
            error(node, "ops is only valid for UDP virtual servers");
            onePacket = false;
        }
        boolean portMissing = targets.stream().anyMatch(t -> t.fwmark == 0 && t.port == 0);
        if (portMissing && !persistent) {
            warning(node, "virtual server has no port and is not persistent: persistence forced on ("
                    + ServiceConfig.DEFAULT_PERSISTENCE_TIMEOUT + "s)");
            persistent = true;
        }
        if (name == null) name = "[" + targets.get(0).address.getHostAddress() + "]:" + protocol.servicesName() + ":" + targets.get(0).port;

        List<ServiceConfig> services = new ArrayList<>();
        for (ServiceTarget t : targets) {
            ServiceKey key = t.fwmark != 0 ? ServiceKey.fwmark(t.fwmark, t.ipv6 || ipv6Family)
                    : ServiceKey.of(protocol, t.address, t.port);
            int mask = netmask == null ? (key.ipv6() ? ServiceConfig.IPV6_HOST_PREFIX : ServiceConfig.IPV4_HOST_MASK)
                    : key.ipv6() ? (netmask < 0 ? 128 : netmask) : netmask;
            services.add(new ServiceConfig(key, scheduler, persistent, persistenceTimeout, mask, persistenceEngine,
                    onePacket, schedFlags));
        }

        Inherited inherited = new Inherited(delayLoop, connectTimeout, retry, delayBeforeRetry, warmup, alpha,
                inhibit, weight, method, tunnel, virtualhost, false);
        int vsPort = targets.get(0).port;
        List<RealServerDef> realServers = new ArrayList<>();
        for (ConfigNode rsNode : realServerNodes) {
            RealServerDef rs = realServer(rsNode, inherited, vsPort, fwmark, name);
            if (rs == null) continue;
            if (realServers.stream().anyMatch(other -> other.config().sameEndpoint(rs.config()))) {
                error(rsNode, "duplicate real server " + endpoint(rs.config()) + " in " + name + "; removed");
                continue;
            }
            boolean wrongFamily = !fwmark && rs.config().method() != ForwardMethod.TUNNEL
                    && (rs.config().address() instanceof Inet4Address) == services.get(0).key().ipv6();
            if (wrongFamily) {
                error(rsNode, "real server " + endpoint(rs.config()) + " is not of the virtual server's address family");
                continue;
            }
            realServers.add(rs);
        }
        if (realServers.isEmpty()) {
            warning(node, "virtual server " + name + " has no real servers; ignored");
            return null;
        }

        Optional<RealServerDef> sorry = Optional.empty();
        if (sorryNode != null) {
            try {
                InetAddress address = address(sorryNode, required(sorryNode, 0));
                ForwardMethod m = sorryMethod != null ? sorryMethod : method;
                int port = sorryPort(sorryNode, m, vsPort, fwmark, name);
                RealServerConfig config = new RealServerConfig(address, port, m, RealServerConfig.DEFAULT_WEIGHT, 0, 0,
                        tunnel.type, tunnel.port, tunnel.checksum, ClientIpMode.NONE);
                sorry = Optional.of(new RealServerDef(config, sorryInhibit, false, Optional.empty(), Optional.empty(),
                        List.of(), sorryNode.location()));
            } catch (ConfigException e) {
                problems.addAll(e.problems());
            }
        }

        long totalWeight = realServers.stream().mapToLong(RealServerDef::weight).sum();
        if (totalWeight > 0 && quorum > totalWeight) {
            warning(node, "quorum " + quorum + " is more than the total weight " + totalWeight + " of " + name
                    + "; lowered to " + totalWeight);
            quorum = (int) totalWeight;
        }
        if (hysteresis >= quorum) {
            warning(node, "hysteresis " + hysteresis + " must be less than quorum " + quorum + "; lowered to " + (quorum - 1));
            hysteresis = quorum - 1;
        }
        return new VirtualServerDef(name, services, delayLoop == null ? DEFAULT_DELAY_LOOP : delayLoop, quorum,
                hysteresis, alpha, omega, haSuspend, sorry, sorryInhibit, quorumUp, quorumDown, realServers,
                node.location());
    }

    /** keepalived's name for a virtual server in messages: {@code [10.0.0.1]:tcp:80}, {@code FWM 1}, {@code group web}. */
    private static String vsLabel(String name, ServiceTarget first, String protocol) {
        if (name != null) return name;
        return "[" + first.address.getHostAddress() + "]:" + protocol + ":" + first.port;
    }

    private int sorryPort(ConfigNode n, ForwardMethod m, int vsPort, boolean fwmark, String vsName) throws ConfigException {
        int port = port(n, 1, vsPort);
        return correctedPort(n, port, m, vsPort, fwmark, "sorry server", vsName);
    }

    private int correctedPort(ConfigNode n, int port, ForwardMethod m, int vsPort, boolean fwmark, String what, String vsName) {
        if (fwmark) return m == ForwardMethod.MASQ ? port : 0;
        if (m != ForwardMethod.MASQ && port != vsPort) {
            // DR and TUN cannot change the port: the packet keeps the virtual one.
            warning(n, what + " port " + port + " differs from " + vsName + " port " + vsPort
                    + " with forwarding method " + m.displayName() + "; using " + vsPort);
            return vsPort;
        }
        return port;
    }

    private RealServerDef realServer(ConfigNode node, Inherited vs, int vsPort, boolean fwmark, String vsName) {
        InetAddress address;
        int port;
        try {
            address = address(node, required(node, 0));
            port = port(node, 1, vsPort);
        } catch (ConfigException e) {
            problems.addAll(e.problems());
            return null;
        }
        int weight = vs.weight;
        ForwardMethod method = vs.method;
        TunnelSettings tunnel = vs.tunnel;
        boolean inhibit = vs.inhibit;
        boolean alpha = vs.alpha;
        int upper = 0;
        int lower = 0;
        Duration delayLoop = vs.delayLoop;
        Duration connectTimeout = vs.connectTimeout;
        Integer retry = vs.retry;
        Duration delayBeforeRetry = vs.delayBeforeRetry;
        Duration warmup = vs.warmup;
        Optional<String> virtualhost = vs.virtualhost;
        Optional<ScriptDef> notifyUp = Optional.empty();
        Optional<ScriptDef> notifyDown = Optional.empty();
        List<ConfigNode> checkerNodes = new ArrayList<>();
        for (ConfigNode n : node.children()) {
            try {
                switch (n.keyword()) {
                    case "weight" -> weight = integer(n, required(n, 0), 0, Integer.MAX_VALUE, "weight");
                    case "lvs_method", "lb_kind" -> {
                        method = forwardMethod(n, required(n, 0));
                        tunnel = method == ForwardMethod.TUNNEL ? tunnel(n) : TunnelSettings.NONE;
                    }
                    case "inhibit_on_failure" -> inhibit = bool(n, true);
                    case "alpha" -> alpha = bool(n, true);
                    case "notify_up" -> notifyUp = Optional.of(script(n));
                    case "notify_down" -> notifyDown = Optional.of(script(n));
                    case "uthreshold" -> upper = integer(n, required(n, 0), 0, Integer.MAX_VALUE, "uthreshold");
                    case "lthreshold" -> lower = integer(n, required(n, 0), 0, Integer.MAX_VALUE, "lthreshold");
                    case "delay_loop" -> delayLoop = positiveTimer(n);
                    case "connect_timeout" -> connectTimeout = positiveTimer(n);
                    case "retry" -> retry = integer(n, required(n, 0), 1, Integer.MAX_VALUE, "retry");
                    case "delay_before_retry" -> delayBeforeRetry = timer(n);
                    case "warmup" -> warmup = timer(n);
                    case "virtualhost" -> virtualhost = Optional.of(required(n, 0));
                    case "smtp_alert" -> { }
                    default -> {
                        if (CheckerConfig.isChecker(n.keyword())) checkerNodes.add(n);
                        else unknown(n, "in real_server");
                    }
                }
            } catch (ConfigException e) {
                problems.addAll(e.problems());
            }
        }
        port = correctedPort(node, port, method, vsPort, fwmark, "real server", vsName);
        RealServerConfig config = new RealServerConfig(address, port, method, weight, upper, lower,
                tunnel.type, tunnel.port, tunnel.checksum, ClientIpMode.NONE);
        Inherited rs = new Inherited(delayLoop, connectTimeout, retry, delayBeforeRetry, warmup, alpha, inhibit,
                weight, method, tunnel, virtualhost, false);
        Duration vsDelayLoop = vs.delayLoop == null ? DEFAULT_DELAY_LOOP : vs.delayLoop;
        List<CheckerDef> checkers = new ArrayList<>();
        for (ConfigNode c : checkerNodes) {
            checkers.addAll(checker(c, rs, config, vsDelayLoop));
        }
        return new RealServerDef(config, inhibit, alpha, notifyUp, notifyDown, checkers, node.location());
    }

    // ---------------------------------------------------------------- checkers

    /** The checker a block describes: none when it is dropped, more than one for SMTP_CHECK host blocks. */
    private List<CheckerDef> checker(ConfigNode node, Inherited rs, RealServerConfig server, Duration vsDelayLoop) {
        String type = node.keyword();
        if (CheckerConfig.UNSUPPORTED.contains(type)) {
            warning(node, type + " is not supported by JVS; checker ignored");
            return List.of();
        }
        CheckerConfig specific = CheckerConfig.TYPES.get(type).get();
        Duration delayLoop = rs.delayLoop;
        Duration connectTimeout = rs.connectTimeout;
        Integer retry = rs.retry;
        Duration delayBeforeRetry = rs.delayBeforeRetry;
        Duration warmup = rs.warmup;
        boolean alpha = rs.alpha;
        boolean logAll = false;
        InetAddress connectIp = server.address();
        int connectPort = server.port();
        Optional<InetAddress> bindTo = Optional.empty();
        boolean connectionSet = false;
        for (ConfigNode n : node.children()) {
            String k = n.keyword();
            try {
                if (specific.refusedCommonKeywords().contains(k)) throw ConfigException.at(n, k + " is not valid in " + type);
                if (CONNECTION_KEYWORDS.contains(k)) connectionSet = true;
                switch (k) {
                    case "connect_ip" -> connectIp = address(n, required(n, 0));
                    case "connect_port" -> connectPort = port(n, required(n, 0));
                    case "bindto" -> bindTo = Optional.of(address(n, required(n, 0)));
                    case "bind_port", "bind_if", "fwmark" ->
                            warning(n, k + " is accepted but not applied by JVS checkers");
                    case "connect_timeout" -> connectTimeout = positiveTimer(n);
                    case "retry" -> retry = integer(n, required(n, 0), 0, Integer.MAX_VALUE, "retry");
                    case "nb_get_retry" -> {
                        warning(n, "nb_get_retry is deprecated, use retry");
                        retry = integer(n, required(n, 0), 0, Integer.MAX_VALUE, "nb_get_retry");
                    }
                    case "delay_before_retry" -> delayBeforeRetry = timer(n);
                    case "delay_loop" -> delayLoop = positiveTimer(n);
                    case "warmup" -> warmup = timer(n);
                    case "alpha" -> alpha = bool(n, true);
                    case "log_all_failures" -> logAll = bool(n, true);
                    default -> {
                        if (!specific.read(n, problems)) unknown(n, "in " + type);
                    }
                }
            } catch (ConfigException e) {
                problems.addAll(e.problems());
            }
        }

        Duration loop = delayLoop == null ? DEFAULT_DELAY_LOOP : delayLoop;
        Optional<CheckSpec> spec = specific.build(new CheckerConfig.Context(node, loop, vsDelayLoop, rs.virtualhost, problems));
        if (spec.isEmpty()) return List.of();
        Duration inheritedTimeout = rs.connectTimeout == null ? DEFAULT_CONNECT_TIMEOUT : rs.connectTimeout;
        List<CheckerConfig.Connection> connections = new ArrayList<>(specific.extraConnections());
        if (connections.isEmpty() || connectionSet) {
            connections.add(0, new CheckerConfig.Connection(Optional.of(connectIp), Optional.of(connectPort), bindTo,
                    Optional.ofNullable(connectTimeout)));
        } // else: keepalived gives the block's own check the first host's settings
        List<CheckerDef> checkers = new ArrayList<>();
        for (CheckerConfig.Connection c : connections) {
            checkers.add(new CheckerDef(spec.get(), node.location(), loop,
                    c.connectTimeout().orElse(inheritedTimeout),
                    retry == null ? specific.defaultRetry() : retry,
                    delayBeforeRetry == null ? specific.defaultDelayBeforeRetry(loop) : delayBeforeRetry,
                    warmup == null ? loop : warmup, alpha, logAll,
                    new InetSocketAddress(c.connectIp().orElse(server.address()), c.connectPort().orElse(server.port())),
                    c.bindTo()));
        }
        return checkers;
    }

    // ---------------------------------------------------------------- values

    private static ForwardMethod forwardMethod(ConfigNode n, String text) throws ConfigException {
        return switch (text.toUpperCase(Locale.ROOT)) {
            case "NAT" -> ForwardMethod.MASQ;
            case "DR" -> ForwardMethod.ROUTE;
            case "TUN" -> ForwardMethod.TUNNEL;
            default -> throw ConfigException.at(n, "unknown forwarding method '" + text + "' (NAT, DR or TUN)");
        };
    }

    private static TunnelSettings tunnel(ConfigNode n) throws ConfigException {
        TunnelType type = TunnelType.IPIP;
        int port = 0;
        TunnelChecksum checksum = TunnelChecksum.NOCSUM;
        List<String> a = n.args();
        for (int i = 1; i < a.size(); i++) {
            switch (a.get(i)) {
                case "type" -> type = tunnelType(n, a.get(++i));
                case "port" -> port = port(n, a.get(++i));
                case "nocsum" -> checksum = TunnelChecksum.NOCSUM;
                case "csum" -> checksum = TunnelChecksum.CSUM;
                case "remcsum" -> checksum = TunnelChecksum.REMCSUM;
                default -> throw ConfigException.at(n, "unknown tunnel option '" + a.get(i) + "'");
            }
        }
        if (type == TunnelType.GUE && port == 0) throw ConfigException.at(n, "GUE tunnels need a port");
        if (type == TunnelType.IPIP && checksum != TunnelChecksum.NOCSUM) throw ConfigException.at(n, "ipip tunnels take no checksum option");
        if (type == TunnelType.GRE && checksum == TunnelChecksum.REMCSUM) throw ConfigException.at(n, "GRE tunnels cannot use remcsum");
        return new TunnelSettings(type, port, checksum);
    }

    /** IPv4 netmask as an int, or an IPv6 prefix length stored negative-free as 1..128. */
    private static int granularity(ConfigNode n, String text) throws ConfigException {
        if (text.matches("\\d{1,3}")) {
            int bits = Integer.parseInt(text);
            if (bits < 1 || bits > 128) throw ConfigException.at(n, "invalid persistence_granularity " + text);
            return bits;
        }
        InetAddress mask = address(n, text);
        if (!(mask instanceof Inet4Address)) throw ConfigException.at(n, "invalid persistence_granularity " + text);
        int value = java.nio.ByteBuffer.wrap(mask.getAddress()).getInt();
        // A valid mask is ones then zeros.
        if ((~value & (~value + 1)) != 0) throw ConfigException.at(n, "invalid persistence_granularity " + text);
        return value;
    }

    private static long fwmark(ConfigNode n, String text) throws ConfigException {
        try {
            long mark = Long.parseLong(text);
            if (mark >= 0 && mark <= 0xFFFFFFFFL) return mark;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw ConfigException.at(n, "invalid fwmark " + text);
    }

    private static TunnelType tunnelType(ConfigNode n, String text) throws ConfigException {
        for (TunnelType t : TunnelType.values()) {
            if (t.name().equalsIgnoreCase(text)) return t;
        }
        throw ConfigException.at(n, "unknown tunnel type '" + text + "'");
    }

    private static StatusCodes statusCodes(ConfigNode n) throws ConfigException {
        try {
            return StatusCodes.parse(n.args());
        } catch (IllegalArgumentException e) {
            throw ConfigException.at(n, e.getMessage());
        }
    }

    private static String endpoint(RealServerConfig c) {
        return c.address().getHostAddress() + ":" + c.port();
    }

    static String describeKey(ServiceKey key) {
        if (key.isFwmark()) return "FWM " + key.fwmark();
        return "[" + key.address().getHostAddress() + "]:" + key.protocol().servicesName() + ":" + key.port();
    }

    private void unknown(ConfigNode n, String where) {
        CheckerConfig.unknown(problems, n, where);
    }

    private void error(ConfigNode n, String message) {
        problems.add(new ConfigProblem(ConfigProblem.Severity.ERROR, n.location(), message));
    }

    private void warning(ConfigNode n, String message) {
        problems.add(new ConfigProblem(ConfigProblem.Severity.WARNING, n.location(), message));
    }
}

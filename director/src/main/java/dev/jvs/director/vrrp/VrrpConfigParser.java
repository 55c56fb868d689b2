package dev.jvs.director.vrrp;

import dev.jvs.director.vrrp.VrrpPacket.AuthType;
import dev.jvs.healthcheck.config.ConfigException;
import dev.jvs.healthcheck.config.ConfigNode;
import dev.jvs.healthcheck.config.ConfigProblem;
import dev.jvs.healthcheck.config.ConfigReader;
import dev.jvs.healthcheck.config.ConfigValues;
import dev.jvs.healthcheck.config.KeepalivedConfig;
import dev.jvs.healthcheck.config.Location;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Gives VRRP meaning to the {@code global_defs}, {@code vrrp_script}, {@code vrrp_sync_group} and
 * {@code vrrp_instance} blocks of a keepalived.conf tree read by the shared {@link ConfigReader}. The LVS blocks
 * are left quietly to the health-check side; any other top-level block is skipped with a warning. Every message
 * names the file and line it is about.
 */
public final class VrrpConfigParser {

    /** Read by the health-check side of the same file. */
    private static final Set<String> LVS_BLOCKS = Set.of("virtual_server", "virtual_server_group", "SSL");

    private final List<ConfigProblem> problems = new ArrayList<>();
    private final Predicate<String> interfaceExists;
    /** Names of the vrrp_script blocks that were kept: a track_script naming another is ignored, as keepalived does. */
    private final Set<String> scriptNames = new HashSet<>();

    private VrrpConfigParser(Predicate<String> interfaceExists) {
        this.interfaceExists = interfaceExists;
    }

    /** Whether this host has a network interface of that name (keepalived warns about one it does not have). */
    public static boolean hostHasInterface(String name) {
        try {
            return NetworkInterface.getByName(name) != null;
        } catch (SocketException e) {
            return false;
        }
    }

    /** The VRRP-only reading of a file ({@code --vrrp-conf}): includes are honoured, LVS blocks ignored. */
    public static VrrpConfig load(Path file) throws ConfigException {
        return fromTree(ConfigReader.read(file));
    }

    /** As {@link #load}, for text in memory (tests, tools); {@code name} stands for the file in messages. */
    public static VrrpConfig parse(String text, String name) throws ConfigException {
        return fromTree(ConfigReader.read(text, name));
    }

    private static VrrpConfig fromTree(ConfigReader.Result tree) throws ConfigException {
        if (tree.problems().stream().anyMatch(ConfigProblem::isError)) throw new ConfigException(tree.problems());
        VrrpConfig vrrp = parse(tree.roots());
        List<ConfigProblem> warnings = new ArrayList<>(tree.problems());
        warnings.addAll(vrrp.warnings());
        return vrrp.withWarnings(warnings);
    }

    /**
     * The VRRP part of a keepalived.conf loaded whole ({@code --keepalived-conf}), or empty when it has no
     * {@code vrrp_instance}. A line the LVS side already warned about is not warned about twice.
     */
    public static Optional<VrrpConfig> parse(KeepalivedConfig whole) throws ConfigException {
        return parse(whole, VrrpConfigParser::hostHasInterface);
    }

    /** As {@link #parse(KeepalivedConfig)}, with the interfaces of another host (tests, --config-test elsewhere). */
    public static Optional<VrrpConfig> parse(KeepalivedConfig whole, Predicate<String> interfaceExists)
            throws ConfigException {
        if (whole.blocks("vrrp_instance").isEmpty()) return Optional.empty();
        Set<Location> alreadyReported = whole.problems().stream().map(ConfigProblem::location).collect(Collectors.toSet());
        try {
            VrrpConfig vrrp = new VrrpConfigParser(interfaceExists).parseAll(whole.roots());
            return Optional.of(vrrp.withWarnings(vrrp.warnings().stream()
                    .filter(w -> !alreadyReported.contains(w.location())).toList()));
        } catch (ConfigException e) {
            throw new ConfigException(e.problems().stream()
                    .filter(p -> p.isError() || !alreadyReported.contains(p.location())).toList());
        }
    }

    /** Interprets the top-level nodes; refused with every problem (warnings too) if any is an error. */
    public static VrrpConfig parse(List<ConfigNode> roots) throws ConfigException {
        return new VrrpConfigParser(VrrpConfigParser::hostHasInterface).parseAll(roots);
    }

    private VrrpConfig parseAll(List<ConfigNode> roots) throws ConfigException {
        VrrpGlobals globals = VrrpGlobals.defaults();
        for (ConfigNode n : roots) {
            VrrpGlobals earlier = globals;
            if (n.keyword().equals("global_defs")) globals = orReport(n, () -> globals(n, earlier), earlier);
        }
        VrrpGlobals g = globals;
        List<VrrpScriptConfig> scripts = new ArrayList<>();
        List<VrrpSyncGroupConfig> groups = new ArrayList<>();
        List<VrrpInstanceConfig> instances = new ArrayList<>();
        for (ConfigNode n : roots) {
            if (n.keyword().equals("vrrp_script")) addOrReport(n, () -> script(n), scripts);
        }
        scripts.forEach(sc -> scriptNames.add(sc.name()));
        for (ConfigNode n : roots) {
            switch (n.keyword()) {
                case "global_defs", "vrrp_script" -> { }
                case "vrrp_sync_group" -> addOrReport(n, () -> syncGroup(n), groups);
                case "vrrp_instance" -> addOrReport(n, () -> instance(n, g), instances);
                default -> {
                    if (!LVS_BLOCKS.contains(n.keyword())) warning(n, "skipping '" + n.keyword() + "' (not a VRRP block)");
                }
            }
        }
        LvsSyncDaemonConfig syncDaemon = globals.lvsSyncDaemon();
        if (syncDaemon != null && syncDaemon.instance() != null
                && instances.stream().noneMatch(i -> i.name().equals(syncDaemon.instance()))) {
            problems.add(new ConfigProblem(ConfigProblem.Severity.ERROR, syncDaemon.location(),
                    "lvs_sync_daemon: no vrrp_instance named '" + syncDaemon.instance() + "'"));
        }
        if (problems.stream().anyMatch(ConfigProblem::isError)) throw new ConfigException(problems);
        return new VrrpConfig(globals, scripts, groups, instances, problems);
    }

    private interface BlockReader<T> {
        T read() throws ConfigException;
    }

    private <T> T orReport(ConfigNode block, BlockReader<T> reader, T fallback) {
        try {
            return reader.read();
        } catch (ConfigException e) {
            // A bad value in one block: the block is dropped and parsing goes on, so every error gets reported.
            problems.addAll(e.problems());
        }
        return fallback;
    }

    private <T> void addOrReport(ConfigNode block, BlockReader<T> reader, List<T> into) {
        T value = orReport(block, reader, null);
        if (value != null) into.add(value);
    }

    private void warning(ConfigNode n, String message) {
        problems.add(new ConfigProblem(ConfigProblem.Severity.WARNING, n.location(), message));
    }

    // ---- blocks ----

    private VrrpGlobals globals(ConfigNode block, VrrpGlobals g) throws ConfigException {
        String routerId = g.routerId();
        InetAddress group4 = g.mcastGroup4(), group6 = g.mcastGroup6();
        int version = g.version();
        long delay = g.garpMasterDelayMillis(), refresh = g.garpMasterRefreshMillis();
        int repeat = g.garpMasterRepeat(), refreshRepeat = g.garpMasterRefreshRepeat(), lowerRepeat = g.garpLowerPrioRepeat();
        boolean lowerNoAdvert = g.lowerPrioNoAdvert(), checkSrc = g.checkUnicastSrc(), asV2 = g.v3ChecksumAsV2(), strict = g.strict();
        LvsSyncDaemonConfig syncDaemon = g.lvsSyncDaemon();
        for (ConfigNode n : block.children()) {
            switch (n.keyword()) {
                case "router_id" -> routerId = arg(n, 0);
                case "vrrp_mcast_group4" -> group4 = ConfigValues.address(n, arg(n, 0));
                case "vrrp_mcast_group6" -> group6 = ConfigValues.address(n, arg(n, 0));
                case "vrrp_version" -> version = intIn(n, 2, 3);
                case "vrrp_garp_master_delay" -> delay = ConfigValues.millis(n);
                case "vrrp_garp_master_repeat" -> repeat = intIn(n, 0, 255);
                case "vrrp_garp_master_refresh" -> refresh = ConfigValues.millis(n);
                case "vrrp_garp_master_refresh_repeat" -> refreshRepeat = intIn(n, 1, 255);
                case "vrrp_garp_lower_prio_repeat" -> lowerRepeat = intIn(n, 0, 255);
                case "vrrp_lower_prio_no_advert" -> lowerNoAdvert = ConfigValues.bool(n, true);
                case "vrrp_check_unicast_src" -> checkSrc = true;
                case "v3_checksum_as_v2" -> asV2 = true;
                case "vrrp_strict" -> strict = true;
                case "lvs_sync_daemon" -> syncDaemon = lvsSyncDaemon(n);
                default -> { } // global_defs also serves the checker, SMTP, ...: not ours to judge
            }
        }
        return new VrrpGlobals(routerId, group4, group6, version, delay, repeat, refresh, refreshRepeat, lowerRepeat,
                lowerNoAdvert, checkSrc, asV2, strict, syncDaemon);
    }

    /** {@code lvs_sync_daemon INTERFACE [[inst] INSTANCE] [id N] [maxlen N] [port N] [ttl N] [group ADDR]}. */
    private static LvsSyncDaemonConfig lvsSyncDaemon(ConfigNode n) throws ConfigException {
        List<String> a = n.args();
        String nic = arg(n, 0);
        String instance = null;
        int at = 1;
        if (at < a.size() && a.get(at).equals("inst")) {
            if (++at == a.size()) throw ConfigException.at(n, "lvs_sync_daemon: 'inst' needs a VRRP instance name");
            instance = a.get(at++);
        } else if (at < a.size() && !SYNC_DAEMON_OPTIONS.contains(a.get(at))) {
            instance = a.get(at++);
        }
        int syncId = -1, maxLen = 0, port = 0, ttl = 0;
        String group = null;
        for (; at < a.size(); at += 2) {
            String option = a.get(at);
            if (!SYNC_DAEMON_OPTIONS.contains(option)) {
                throw ConfigException.at(n, "lvs_sync_daemon: unknown option '" + option + "'");
            }
            if (at + 1 == a.size()) throw ConfigException.at(n, "lvs_sync_daemon: '" + option + "' needs a value");
            String value = a.get(at + 1);
            switch (option) {
                case "id" -> syncId = ConfigValues.integer(n, value, 0, 255, "lvs_sync_daemon " + option);
                case "maxlen" -> maxLen = ConfigValues.integer(n, value, 1, 65_507, "lvs_sync_daemon " + option);
                case "port" -> port = ConfigValues.integer(n, value, 1, 65_535, "lvs_sync_daemon " + option);
                case "ttl" -> ttl = ConfigValues.integer(n, value, 1, 255, "lvs_sync_daemon " + option);
                default -> group = ConfigValues.address(n, value).getHostAddress(); // "group"
            }
        }
        return new LvsSyncDaemonConfig(nic, instance, syncId, maxLen, port, ttl, group, n.location());
    }

    private static final Set<String> SYNC_DAEMON_OPTIONS = Set.of("id", "maxlen", "port", "ttl", "group");

    private VrrpScriptConfig script(ConfigNode block) throws ConfigException {
        String name = arg(block, 0);
        String script = null, user = null;
        long interval = VrrpScriptConfig.DEFAULT_INTERVAL_MILLIS;
        Long timeout = null;
        int weight = 0, rise = 1, fall = 1;
        boolean reverse = false, initFail = false;
        for (ConfigNode n : block.children()) {
            switch (n.keyword()) {
                case "script" -> script = joined(n);
                case "interval" -> interval = ConfigValues.millis(n);
                case "timeout" -> timeout = ConfigValues.millis(n);
                case "weight" -> {
                    weight = ConfigValues.integer(n, arg(n, 0), -253, 253, "weight");
                    reverse = n.args().size() > 1 && n.args().get(1).equals("reverse");
                }
                case "rise" -> rise = intIn(n, 1, Integer.MAX_VALUE);
                case "fall" -> fall = intIn(n, 1, Integer.MAX_VALUE);
                case "user" -> user = joined(n);
                case "init_fail" -> initFail = true;
                default -> warning(n, "unknown vrrp_script keyword '" + n.keyword() + "'");
            }
        }
        if (script == null) {
            // keepalived warns and drops the block; a track_script naming it is then ignored
            warning(block, "no script set for vrrp_script " + name + "; vrrp_script removed");
            return null;
        }
        return new VrrpScriptConfig(name, script, interval, timeout != null ? timeout : interval, weight, reverse, rise, fall,
                initFail, user);
    }

    private VrrpSyncGroupConfig syncGroup(ConfigNode block) throws ConfigException {
        String name = arg(block, 0);
        List<String> members = new ArrayList<>();
        List<TrackedInterface> ifs = new ArrayList<>();
        List<TrackedScript> scripts = new ArrayList<>();
        String[] notify = new String[5];
        for (ConfigNode n : block.children()) {
            switch (n.keyword()) {
                case "group" -> { for (ConfigNode m : n.children()) { members.add(m.keyword()); members.addAll(m.args()); } }
                case "track_interface" -> ifs.addAll(trackInterfaces(n));
                case "track_script" -> scripts.addAll(trackScripts(n));
                case "notify_master" -> notify[0] = joined(n);
                case "notify_backup" -> notify[1] = joined(n);
                case "notify_fault" -> notify[2] = joined(n);
                case "notify_stop" -> notify[3] = joined(n);
                case "notify" -> notify[4] = joined(n);
                default -> warning(n, "unsupported vrrp_sync_group keyword '" + n.keyword() + "'");
            }
        }
        return new VrrpSyncGroupConfig(name, members, ifs, scripts, notify[0], notify[1], notify[2], notify[3], notify[4]);
    }

    private VrrpInstanceConfig instance(ConfigNode block, VrrpGlobals g) throws ConfigException {
        String name = arg(block, 0);
        String state = null, ifName = null, authPass = null;
        Integer vrid = null, priority = null, version = null;
        BigDecimal advertSeconds = BigDecimal.ONE;
        AuthType authType = AuthType.NONE;
        List<VirtualIpAddress> vips = new ArrayList<>(), excluded = new ArrayList<>();
        boolean nopreempt = false, lowerNoAdvert = g.lowerPrioNoAdvert(), dontTrackPrimary = false, checkSrc = g.checkUnicastSrc();
        long preemptDelay = 0;
        List<TrackedInterface> trackIfs = new ArrayList<>();
        List<TrackedScript> trackScripts = new ArrayList<>();
        String[] notify = new String[5];
        InetAddress source = null, mcastDst = null;
        List<InetAddress> peers = new ArrayList<>();
        long garpDelay = g.garpMasterDelayMillis(), garpRefresh = g.garpMasterRefreshMillis();
        int garpRepeat = g.garpMasterRepeat(), garpRefreshRepeat = g.garpMasterRefreshRepeat();
        Integer garpLowerRepeat = g.garpLowerPrioRepeat() >= 0 ? g.garpLowerPrioRepeat() : null;
        int downTimerAdverts = 3;
        for (ConfigNode n : block.children()) {
            switch (n.keyword()) {
                case "state" -> state = arg(n, 0).toUpperCase(Locale.ROOT);
                case "interface" -> {
                    ifName = arg(n, 0);
                    if (!interfaceExists.test(ifName)) {
                        warning(n, "interface " + ifName + " for vrrp_instance " + name + " doesn't exist");
                    }
                }
                case "virtual_router_id" -> vrid = intIn(n, 1, 255);
                case "priority" -> priority = intIn(n, 1, 255);
                case "advert_int" -> advertSeconds = BigDecimal.valueOf(ConfigValues.timer(n).toNanos(), 9);
                case "version" -> version = intIn(n, 2, 3);
                case "authentication" -> {
                    for (ConfigNode a : n.children()) {
                        if (a.keyword().equals("auth_type")) authType = authType(a);
                        else if (a.keyword().equals("auth_pass")) authPass = arg(a, 0);
                    }
                }
                case "virtual_ipaddress" -> { for (ConfigNode v : n.children()) vips.add(vip(v)); }
                case "virtual_ipaddress_excluded" -> { for (ConfigNode v : n.children()) excluded.add(vip(v)); }
                case "nopreempt" -> nopreempt = true;
                case "preempt" -> nopreempt = false;
                case "preempt_delay" -> preemptDelay = ConfigValues.millis(n);
                case "track_interface" -> trackIfs.addAll(trackInterfaces(n));
                case "track_script" -> trackScripts.addAll(trackScripts(n));
                case "notify_master" -> notify[0] = joined(n);
                case "notify_backup" -> notify[1] = joined(n);
                case "notify_fault" -> notify[2] = joined(n);
                case "notify_stop" -> notify[3] = joined(n);
                case "notify" -> notify[4] = joined(n);
                case "unicast_src_ip", "mcast_src_ip" -> source = ConfigValues.address(n, arg(n, 0));
                case "unicast_peer" -> { for (ConfigNode p : n.children()) peers.add(ConfigValues.address(p, p.keyword())); }
                case "mcast_dst_ip" -> mcastDst = ConfigValues.address(n, arg(n, 0));
                case "garp_master_delay" -> garpDelay = ConfigValues.millis(n);
                case "garp_master_repeat" -> garpRepeat = intIn(n, 0, 255);
                case "garp_master_refresh" -> garpRefresh = ConfigValues.millis(n);
                case "garp_master_refresh_repeat" -> garpRefreshRepeat = intIn(n, 1, 255);
                case "garp_lower_prio_repeat" -> garpLowerRepeat = intIn(n, 0, 255);
                case "down_timer_adverts" -> downTimerAdverts = intIn(n, 1, 100);
                case "lower_prio_no_advert" -> lowerNoAdvert = ConfigValues.bool(n, true);
                case "dont_track_primary" -> dontTrackPrimary = true;
                case "check_unicast_src" -> checkSrc = true;
                default -> warning(n, "vrrp_instance " + name + ": keyword '" + n.keyword()
                        + "' is not supported by JVS yet, ignored");
            }
        }
        String where = "vrrp_instance " + name;
        if (vrid == null) throw ConfigException.at(block, where + ": virtual_router_id is required");
        if (ifName == null && peers.isEmpty()) throw ConfigException.at(block, where + ": interface is required");
        boolean ipv6 = !vips.isEmpty() && vips.get(0).address() instanceof Inet6Address;
        for (VirtualIpAddress v : vips) {
            if ((v.address() instanceof Inet6Address) != ipv6) throw ConfigException.at(block, where + ": virtual_ipaddress mixes IPv4 and IPv6");
        }
        boolean wantsMaster = "MASTER".equals(state);
        // keepalived: an omitted priority with state MASTER means the address owner.
        int prio = priority != null ? priority : wantsMaster ? 255 : 100;
        if (state == null) wantsMaster = prio == 255;
        int ver = ipv6 ? 3 : version != null ? version : g.version();
        int centis;
        if (ver == 2) {
            int seconds = advertSeconds.setScale(0, RoundingMode.HALF_UP).intValue();
            if (seconds < 1 || seconds > 255) throw ConfigException.at(block, where + ": advert_int must be 1..255 s for VRRPv2");
            centis = seconds * 100;
        } else {
            centis = advertSeconds.movePointRight(2).setScale(0, RoundingMode.HALF_UP).intValue();
            if (centis < 1 || centis > 4095) throw ConfigException.at(block, where + ": advert_int must be 0.01..40.95 s for VRRPv3");
        }
        if (ver == 3 && authType != AuthType.NONE) {
            warning(block, where + ": authentication is not used with VRRPv3, ignored");
            authType = AuthType.NONE;
            authPass = null;
        }
        if (authType == AuthType.PASS && (authPass == null || authPass.isEmpty())) authType = AuthType.NONE;
        if (authType == AuthType.AH && wantsMaster) {
            // keepalived clears AH for an instance that starts as MASTER
            warning(block, where + ": initial state MASTER is incompatible with AH authentication; authentication cleared");
            authType = AuthType.NONE;
            authPass = null;
        }
        if (authType == AuthType.AH) throw ConfigException.at(block, where + ": auth_type AH is not supported by JVS");
        if (authPass != null && authPass.length() > 8) {
            warning(block, where + ": auth_pass truncated to 8 characters");
            authPass = authPass.substring(0, 8);
        }
        if (nopreempt && (wantsMaster || prio == 255)) {
            warning(block, where + ": nopreempt needs state BACKUP and a priority below 255, cleared");
            nopreempt = false;
        }
        if (wantsMaster && preemptDelay > 0) preemptDelay = 0; // keepalived: state MASTER clears preempt_delay
        if (preemptDelay > 1_000_000) throw ConfigException.at(block, where + ": preempt_delay must be 0..1000 s");
        InetAddress group = mcastDst != null ? mcastDst : ipv6 ? g.mcastGroup6() : g.mcastGroup4();
        return new VrrpInstanceConfig(name, wantsMaster, ifName, vrid, prio, centis, ver, authType, authPass, vips, excluded,
                nopreempt, preemptDelay, trackIfs, trackScripts, notify[0], notify[1], notify[2], notify[3], notify[4],
                source, peers, group, garpDelay, garpRepeat, garpRefresh, garpRefreshRepeat,
                garpLowerRepeat != null ? garpLowerRepeat : garpRepeat, downTimerAdverts, lowerNoAdvert, dontTrackPrimary,
                checkSrc, g.v3ChecksumAsV2());
    }

    private static final Set<String> VIP_OPTIONS_WITH_VALUE = Set.of("brd", "scope", "peer", "preferred_lft");

    private VirtualIpAddress vip(ConfigNode n) throws ConfigException {
        String text = n.keyword();
        int slash = text.indexOf('/');
        InetAddress address = ConfigValues.address(n, slash < 0 ? text : text.substring(0, slash));
        int length = slash < 0 ? (address instanceof Inet4Address ? 32 : 128) : ConfigValues.integer(n, text.substring(slash + 1), 0, address instanceof Inet4Address ? 32 : 128, "prefix length");
        String dev = null, label = null;
        boolean noTrack = false;
        List<String> a = n.args();
        for (int i = 0; i < a.size(); i++) {
            switch (a.get(i)) {
                case "dev" -> dev = arg(n, ++i);
                case "label" -> label = arg(n, ++i);
                case "no_track" -> noTrack = true;
                default -> { if (VIP_OPTIONS_WITH_VALUE.contains(a.get(i))) i++; }
            }
        }
        return new VirtualIpAddress(address, length, dev, label, noTrack);
    }

    private List<TrackedInterface> trackInterfaces(ConfigNode block) throws ConfigException {
        List<TrackedInterface> out = new ArrayList<>();
        for (ConfigNode n : block.children()) {
            int weight = 0;
            boolean reverse = false;
            if (n.args().size() >= 2 && n.args().get(0).equals("weight")) {
                weight = ConfigValues.integer(n, n.args().get(1), -253, 253, "weight");
                reverse = n.args().size() > 2 && n.args().get(2).equals("reverse");
            }
            if (!interfaceExists.test(n.keyword())) {
                warning(n, "tracked interface " + n.keyword() + " doesn't exist");
            }
            out.add(new TrackedInterface(n.keyword(), weight, reverse));
        }
        return out;
    }

    private List<TrackedScript> trackScripts(ConfigNode block) throws ConfigException {
        List<TrackedScript> out = new ArrayList<>();
        for (ConfigNode n : block.children()) {
            Integer weight = null;
            boolean reverse = false;
            if (n.args().size() >= 2 && n.args().get(0).equals("weight")) {
                weight = ConfigValues.integer(n, n.args().get(1), -253, 253, "weight");
                reverse = n.args().size() > 2 && n.args().get(2).equals("reverse");
            }
            if (!scriptNames.contains(n.keyword())) {
                warning(n, "track script " + n.keyword() + " not found, ignoring");
                continue;
            }
            out.add(new TrackedScript(n.keyword(), weight, reverse));
        }
        return out;
    }

    // ---- values: the shared parsers of ConfigValues, in this parser's terms ----

    private static String arg(ConfigNode n, int index) throws ConfigException {
        return ConfigValues.required(n, index);
    }

    private static AuthType authType(ConfigNode n) throws ConfigException {
        String type = arg(n, 0).toUpperCase(Locale.ROOT);
        for (AuthType t : AuthType.values()) {
            if (t.name().equals(type)) return t;
        }
        throw ConfigException.at(n, "unknown auth_type '" + arg(n, 0) + "'");
    }

    private static String joined(ConfigNode n) {
        return String.join(" ", n.args());
    }

    private static int intIn(ConfigNode n, int min, int max) throws ConfigException {
        return ConfigValues.integer(n, min, max);
    }
}

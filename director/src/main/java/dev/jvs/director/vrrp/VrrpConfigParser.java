package dev.jvs.director.vrrp;

import dev.jvs.director.vrrp.VrrpPacket.AuthType;

import java.math.BigDecimal;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads the {@code global_defs}, {@code vrrp_script}, {@code vrrp_sync_group} and
 * {@code vrrp_instance} blocks of keepalived.conf text; other top-level blocks are skipped with a
 * warning. A stop-gap until the shared keepalived.conf parser lands: it produces the same records.
 */
public final class VrrpConfigParser {

    /** A config error, with the line it came from. */
    public static final class ConfigException extends Exception {
        public ConfigException(String message) { super(message); }
    }

    /** One line of keepalived syntax: keyword, arguments and, for blocks, the lines inside. */
    record Node(String keyword, List<String> args, List<Node> children, int line) {
        String arg(int i) throws ConfigException {
            if (i >= args.size()) throw new ConfigException("line " + line + ": " + keyword + " needs a value");
            return args.get(i);
        }
        String joinedArgs() { return String.join(" ", args); }
    }

    private record Token(String text, int line, boolean quoted) {}

    private static final Set<String> SKIPPED_QUIETLY = Set.of("virtual_server", "virtual_server_group", "SSL");

    private final List<String> warnings = new ArrayList<>();

    private VrrpConfigParser() {}

    public static VrrpConfig parse(String text) throws ConfigException {
        return new VrrpConfigParser().parseAll(text);
    }

    private VrrpConfig parseAll(String text) throws ConfigException {
        List<Token> tokens = tokenize(text);
        int[] at = {0};
        List<Node> top = tree(tokens, at, false);
        VrrpGlobals globals = VrrpGlobals.defaults();
        for (Node n : top) if (n.keyword().equals("global_defs")) globals = globals(n, globals);
        List<VrrpScriptConfig> scripts = new ArrayList<>();
        List<VrrpSyncGroupConfig> groups = new ArrayList<>();
        List<VrrpInstanceConfig> instances = new ArrayList<>();
        for (Node n : top) {
            switch (n.keyword()) {
                case "global_defs" -> { }
                case "vrrp_script" -> scripts.add(script(n));
                case "vrrp_sync_group" -> groups.add(syncGroup(n));
                case "vrrp_instance" -> instances.add(instance(n, globals));
                default -> {
                    if (!SKIPPED_QUIETLY.contains(n.keyword())) {
                        warnings.add("line " + n.line() + ": skipping '" + n.keyword() + "' (not a VRRP block)");
                    } else {
                        warnings.add("line " + n.line() + ": skipping '" + n.keyword() + "' (handled outside VRRP)");
                    }
                }
            }
        }
        return new VrrpConfig(globals, scripts, groups, instances, warnings);
    }

    // ---- lexical level: comments (! and #), quoted strings, braces ----

    static List<Token> tokenize(String text) {
        List<Token> tokens = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        for (int ln = 0; ln < lines.length; ln++) {
            String line = lines[ln];
            int i = 0;
            while (i < line.length()) {
                char c = line.charAt(i);
                if (Character.isWhitespace(c)) { i++; continue; }
                if (c == '!' || c == '#') break;
                if (c == '{' || c == '}') { tokens.add(new Token(String.valueOf(c), ln + 1, false)); i++; continue; }
                if (c == '"') {
                    int end = line.indexOf('"', i + 1);
                    if (end < 0) end = line.length();
                    tokens.add(new Token(line.substring(i + 1, end), ln + 1, true));
                    i = end + 1;
                    continue;
                }
                int start = i;
                while (i < line.length() && !Character.isWhitespace(line.charAt(i))
                        && line.charAt(i) != '{' && line.charAt(i) != '}') i++;
                tokens.add(new Token(line.substring(start, i), ln + 1, false));
            }
        }
        return tokens;
    }

    private static List<Node> tree(List<Token> tokens, int[] at, boolean nested) throws ConfigException {
        List<Node> nodes = new ArrayList<>();
        Node current = null;
        while (at[0] < tokens.size()) {
            Token t = tokens.get(at[0]++);
            if (!t.quoted() && t.text().equals("}")) {
                if (current != null) nodes.add(current);
                if (!nested) throw new ConfigException("line " + t.line() + ": '}' without a block");
                return nodes;
            }
            if (!t.quoted() && t.text().equals("{")) {
                Node owner = current != null ? current : new Node("", new ArrayList<>(), new ArrayList<>(), t.line());
                owner.children().addAll(tree(tokens, at, true));
                nodes.add(owner);
                current = null;
                continue;
            }
            if (current != null && t.line() == current.line()) {
                current.args().add(t.text());
            } else {
                if (current != null) nodes.add(current);
                current = new Node(t.text(), new ArrayList<>(), new ArrayList<>(), t.line());
            }
        }
        if (nested) throw new ConfigException("missing '}' at end of file");
        if (current != null) nodes.add(current);
        return nodes;
    }

    // ---- blocks ----

    private VrrpGlobals globals(Node block, VrrpGlobals g) throws ConfigException {
        String routerId = g.routerId();
        InetAddress group4 = g.mcastGroup4(), group6 = g.mcastGroup6();
        int version = g.version();
        long delay = g.garpMasterDelayMillis(), refresh = g.garpMasterRefreshMillis();
        int repeat = g.garpMasterRepeat(), refreshRepeat = g.garpMasterRefreshRepeat(), lowerRepeat = g.garpLowerPrioRepeat();
        boolean lowerNoAdvert = g.lowerPrioNoAdvert(), checkSrc = g.checkUnicastSrc(), asV2 = g.v3ChecksumAsV2(), strict = g.strict();
        for (Node n : block.children()) {
            switch (n.keyword()) {
                case "router_id" -> routerId = n.arg(0);
                case "vrrp_mcast_group4" -> group4 = address(n, n.arg(0));
                case "vrrp_mcast_group6" -> group6 = address(n, n.arg(0));
                case "vrrp_version" -> version = intIn(n, 2, 3);
                case "vrrp_garp_master_delay" -> delay = millis(n);
                case "vrrp_garp_master_repeat" -> repeat = intIn(n, 0, 255);
                case "vrrp_garp_master_refresh" -> refresh = millis(n);
                case "vrrp_garp_master_refresh_repeat" -> refreshRepeat = intIn(n, 1, 255);
                case "vrrp_garp_lower_prio_repeat" -> lowerRepeat = intIn(n, 0, 255);
                case "vrrp_lower_prio_no_advert" -> lowerNoAdvert = bool(n);
                case "vrrp_check_unicast_src" -> checkSrc = true;
                case "v3_checksum_as_v2" -> asV2 = true;
                case "vrrp_strict" -> strict = true;
                default -> { } // global_defs also serves the checker, SMTP, ...: not ours to judge
            }
        }
        return new VrrpGlobals(routerId, group4, group6, version, delay, repeat, refresh, refreshRepeat, lowerRepeat,
                lowerNoAdvert, checkSrc, asV2, strict);
    }

    private VrrpScriptConfig script(Node block) throws ConfigException {
        String name = block.arg(0);
        String script = null, user = null;
        long interval = VrrpScriptConfig.DEFAULT_INTERVAL_MILLIS;
        Long timeout = null;
        int weight = 0, rise = 1, fall = 1;
        boolean reverse = false, initFail = false;
        for (Node n : block.children()) {
            switch (n.keyword()) {
                case "script" -> script = n.joinedArgs();
                case "interval" -> interval = millis(n);
                case "timeout" -> timeout = millis(n);
                case "weight" -> {
                    weight = Integer.parseInt(n.arg(0));
                    if (weight < -253 || weight > 253) throw new ConfigException("line " + n.line() + ": weight must be -253..253");
                    reverse = n.args().size() > 1 && n.args().get(1).equals("reverse");
                }
                case "rise" -> rise = intIn(n, 1, Integer.MAX_VALUE);
                case "fall" -> fall = intIn(n, 1, Integer.MAX_VALUE);
                case "user" -> user = n.joinedArgs();
                case "init_fail" -> initFail = true;
                default -> warnings.add("line " + n.line() + ": unknown vrrp_script keyword '" + n.keyword() + "'");
            }
        }
        if (script == null) throw new ConfigException("line " + block.line() + ": vrrp_script " + name + " has no script");
        return new VrrpScriptConfig(name, script, interval, timeout != null ? timeout : interval, weight, reverse, rise, fall,
                initFail, user);
    }

    private VrrpSyncGroupConfig syncGroup(Node block) throws ConfigException {
        String name = block.arg(0);
        List<String> members = new ArrayList<>();
        List<TrackedInterface> ifs = new ArrayList<>();
        List<TrackedScript> scripts = new ArrayList<>();
        String[] notify = new String[5];
        for (Node n : block.children()) {
            switch (n.keyword()) {
                case "group" -> { for (Node m : n.children()) { members.add(m.keyword()); members.addAll(m.args()); } }
                case "track_interface" -> ifs.addAll(trackInterfaces(n));
                case "track_script" -> scripts.addAll(trackScripts(n));
                case "notify_master" -> notify[0] = n.joinedArgs();
                case "notify_backup" -> notify[1] = n.joinedArgs();
                case "notify_fault" -> notify[2] = n.joinedArgs();
                case "notify_stop" -> notify[3] = n.joinedArgs();
                case "notify" -> notify[4] = n.joinedArgs();
                default -> warnings.add("line " + n.line() + ": unsupported vrrp_sync_group keyword '" + n.keyword() + "'");
            }
        }
        return new VrrpSyncGroupConfig(name, members, ifs, scripts, notify[0], notify[1], notify[2], notify[3], notify[4]);
    }

    private VrrpInstanceConfig instance(Node block, VrrpGlobals g) throws ConfigException {
        String name = block.arg(0);
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
        for (Node n : block.children()) {
            switch (n.keyword()) {
                case "state" -> state = n.arg(0).toUpperCase(Locale.ROOT);
                case "interface" -> ifName = n.arg(0);
                case "virtual_router_id" -> vrid = intIn(n, 1, 255);
                case "priority" -> priority = intIn(n, 1, 255);
                case "advert_int" -> advertSeconds = new BigDecimal(n.arg(0));
                case "version" -> version = intIn(n, 2, 3);
                case "authentication" -> {
                    for (Node a : n.children()) {
                        if (a.keyword().equals("auth_type")) authType = AuthType.valueOf(a.arg(0).toUpperCase(Locale.ROOT));
                        else if (a.keyword().equals("auth_pass")) authPass = a.arg(0);
                    }
                }
                case "virtual_ipaddress" -> { for (Node v : n.children()) vips.add(vip(v)); }
                case "virtual_ipaddress_excluded" -> { for (Node v : n.children()) excluded.add(vip(v)); }
                case "nopreempt" -> nopreempt = true;
                case "preempt" -> nopreempt = false;
                case "preempt_delay" -> preemptDelay = millis(n);
                case "track_interface" -> trackIfs.addAll(trackInterfaces(n));
                case "track_script" -> trackScripts.addAll(trackScripts(n));
                case "notify_master" -> notify[0] = n.joinedArgs();
                case "notify_backup" -> notify[1] = n.joinedArgs();
                case "notify_fault" -> notify[2] = n.joinedArgs();
                case "notify_stop" -> notify[3] = n.joinedArgs();
                case "notify" -> notify[4] = n.joinedArgs();
                case "unicast_src_ip", "mcast_src_ip" -> source = address(n, n.arg(0));
                case "unicast_peer" -> { for (Node p : n.children()) peers.add(address(p, p.keyword())); }
                case "mcast_dst_ip" -> mcastDst = address(n, n.arg(0));
                case "garp_master_delay" -> garpDelay = millis(n);
                case "garp_master_repeat" -> garpRepeat = intIn(n, 0, 255);
                case "garp_master_refresh" -> garpRefresh = millis(n);
                case "garp_master_refresh_repeat" -> garpRefreshRepeat = intIn(n, 1, 255);
                case "garp_lower_prio_repeat" -> garpLowerRepeat = intIn(n, 0, 255);
                case "down_timer_adverts" -> downTimerAdverts = intIn(n, 1, 100);
                case "lower_prio_no_advert" -> lowerNoAdvert = n.args().isEmpty() || bool(n);
                case "dont_track_primary" -> dontTrackPrimary = true;
                case "check_unicast_src" -> checkSrc = true;
                default -> warnings.add("line " + n.line() + ": vrrp_instance " + name + ": keyword '" + n.keyword()
                        + "' is not supported by JVS yet, ignored");
            }
        }
        String where = "vrrp_instance " + name + " (line " + block.line() + ")";
        if (vrid == null) throw new ConfigException(where + ": virtual_router_id is required");
        if (ifName == null && peers.isEmpty()) throw new ConfigException(where + ": interface is required");
        boolean ipv6 = !vips.isEmpty() && vips.get(0).address() instanceof Inet6Address;
        for (VirtualIpAddress v : vips) {
            if ((v.address() instanceof Inet6Address) != ipv6) throw new ConfigException(where + ": virtual_ipaddress mixes IPv4 and IPv6");
        }
        boolean wantsMaster = "MASTER".equals(state);
        // keepalived: an omitted priority with state MASTER means the address owner.
        int prio = priority != null ? priority : wantsMaster ? 255 : 100;
        if (state == null) wantsMaster = prio == 255;
        int ver = ipv6 ? 3 : version != null ? version : g.version();
        int centis;
        if (ver == 2) {
            int seconds = advertSeconds.setScale(0, java.math.RoundingMode.HALF_UP).intValue();
            if (seconds < 1 || seconds > 255) throw new ConfigException(where + ": advert_int must be 1..255 s for VRRPv2");
            centis = seconds * 100;
        } else {
            centis = advertSeconds.movePointRight(2).setScale(0, java.math.RoundingMode.HALF_UP).intValue();
            if (centis < 1 || centis > 4095) throw new ConfigException(where + ": advert_int must be 0.01..40.95 s for VRRPv3");
        }
        if (ver == 3 && authType != AuthType.NONE) {
            warnings.add(where + ": authentication is not used with VRRPv3, ignored");
            authType = AuthType.NONE;
            authPass = null;
        }
        if (authType == AuthType.PASS && (authPass == null || authPass.isEmpty())) authType = AuthType.NONE;
        if (authType == AuthType.AH) throw new ConfigException(where + ": auth_type AH is not supported by JVS");
        if (authPass != null && authPass.length() > 8) {
            warnings.add(where + ": auth_pass truncated to 8 characters");
            authPass = authPass.substring(0, 8);
        }
        if (nopreempt && (wantsMaster || prio == 255)) {
            warnings.add(where + ": nopreempt needs state BACKUP and a priority below 255, cleared");
            nopreempt = false;
        }
        if (wantsMaster && preemptDelay > 0) preemptDelay = 0; // keepalived: state MASTER clears preempt_delay
        if (preemptDelay > 1_000_000) throw new ConfigException(where + ": preempt_delay must be 0..1000 s");
        InetAddress group = mcastDst != null ? mcastDst : ipv6 ? g.mcastGroup6() : g.mcastGroup4();
        return new VrrpInstanceConfig(name, wantsMaster, ifName, vrid, prio, centis, ver, authType, authPass, vips, excluded,
                nopreempt, preemptDelay, trackIfs, trackScripts, notify[0], notify[1], notify[2], notify[3], notify[4],
                source, peers, group, garpDelay, garpRepeat, garpRefresh, garpRefreshRepeat,
                garpLowerRepeat != null ? garpLowerRepeat : garpRepeat, downTimerAdverts, lowerNoAdvert, dontTrackPrimary,
                checkSrc, g.v3ChecksumAsV2());
    }

    private static final Set<String> VIP_OPTIONS_WITH_VALUE = Set.of("brd", "scope", "peer", "preferred_lft");

    private VirtualIpAddress vip(Node n) throws ConfigException {
        String text = n.keyword();
        int slash = text.indexOf('/');
        InetAddress address = address(n, slash < 0 ? text : text.substring(0, slash));
        int length = slash < 0 ? (address instanceof Inet4Address ? 32 : 128) : Integer.parseInt(text.substring(slash + 1));
        String dev = null, label = null;
        boolean noTrack = false;
        List<String> a = n.args();
        for (int i = 0; i < a.size(); i++) {
            switch (a.get(i)) {
                case "dev" -> dev = n.arg(++i);
                case "label" -> label = n.arg(++i);
                case "no_track" -> noTrack = true;
                default -> { if (VIP_OPTIONS_WITH_VALUE.contains(a.get(i))) i++; }
            }
        }
        return new VirtualIpAddress(address, length, dev, label, noTrack);
    }

    private List<TrackedInterface> trackInterfaces(Node block) throws ConfigException {
        List<TrackedInterface> out = new ArrayList<>();
        for (Node n : block.children()) {
            int weight = 0;
            boolean reverse = false;
            if (n.args().size() >= 2 && n.args().get(0).equals("weight")) {
                weight = Integer.parseInt(n.args().get(1));
                reverse = n.args().size() > 2 && n.args().get(2).equals("reverse");
            }
            out.add(new TrackedInterface(n.keyword(), weight, reverse));
        }
        return out;
    }

    private List<TrackedScript> trackScripts(Node block) {
        List<TrackedScript> out = new ArrayList<>();
        for (Node n : block.children()) {
            Integer weight = null;
            boolean reverse = false;
            if (n.args().size() >= 2 && n.args().get(0).equals("weight")) {
                weight = Integer.parseInt(n.args().get(1));
                reverse = n.args().size() > 2 && n.args().get(2).equals("reverse");
            }
            out.add(new TrackedScript(n.keyword(), weight, reverse));
        }
        return out;
    }

    // ---- values ----

    private static InetAddress address(Node n, String text) throws ConfigException {
        if (text.isEmpty() || !(Character.digit(text.charAt(0), 16) >= 0 || text.contains(":"))) {
            throw new ConfigException("line " + n.line() + ": '" + text + "' is not an IP address");
        }
        try {
            return InetAddress.getByName(text); // numeric only: checked above, so no DNS lookup
        } catch (UnknownHostException e) {
            throw new ConfigException("line " + n.line() + ": '" + text + "' is not an IP address");
        }
    }

    private static int intIn(Node n, int min, int max) throws ConfigException {
        try {
            int v = Integer.parseInt(n.arg(0));
            if (v < min || v > max) throw new ConfigException("line " + n.line() + ": " + n.keyword() + " must be " + min + ".." + max);
            return v;
        } catch (NumberFormatException e) {
            throw new ConfigException("line " + n.line() + ": " + n.keyword() + " needs a number, got '" + n.arg(0) + "'");
        }
    }

    /** keepalived TIMER: seconds, fractions allowed. */
    private static long millis(Node n) throws ConfigException {
        try {
            return new BigDecimal(n.arg(0)).movePointRight(3).longValue();
        } catch (NumberFormatException e) {
            throw new ConfigException("line " + n.line() + ": " + n.keyword() + " needs a time in seconds, got '" + n.arg(0) + "'");
        }
    }

    private static boolean bool(Node n) throws ConfigException {
        if (n.args().isEmpty()) return true;
        return switch (n.arg(0).toLowerCase(Locale.ROOT)) {
            case "on", "true", "yes" -> true;
            case "off", "false", "no" -> false;
            default -> throw new ConfigException("line " + n.line() + ": " + n.keyword() + " needs on|off|true|false|yes|no");
        };
    }
}

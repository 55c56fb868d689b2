package dev.jvs.ipvsadm;

import dev.jvs.model.CommandKind;

/**
 * The rows of ipvsadm's command × option matrix, in ipvsadm's order (violations are reported in this order),
 * followed by JVS's own rows. Each row's message name is also what {@code multiple 'NAME' options specified}
 * prints. Columns follow {@link CommandKind}'s first 14 constants:
 * -A -E -D -C -L -a -d -e --set --start-daemon --stop-daemon -R -S -Z.
 * {@code +} required, {@code x} illegal, {@code .} optional, {@code 1} at most one of the 1s.
 */
enum OptionRow {
    NUMERIC("numeric",                 "xxxx.xxxxxxx.x"),
    CONNECTION("connection",           "xxxx1xxxxxxxxx"),
    SERVICE("service-address",         "+++x1+++xxxxx."),
    SCHEDULER("scheduler",             "..xxxxxxxxxxxx"),
    PERSISTENT("persistent",           "..xxxxxxxxxxxx"),
    NETMASK("netmask",                 "..xxxxxxxxxxxx"),
    REAL_SERVER("real-server",         "xxxxx+++xxxxxx"),
    FORWARD("forwarding-method",       "xxxxx.x.xxxxxx"),
    WEIGHT("weight",                   "xxxxx.x.xxxxxx"),
    U_THRESHOLD("u-threshold",         "xxxxx.x.xxxxxx"),
    L_THRESHOLD("l-threshold",         "xxxxx.x.xxxxxx"),
    MCAST_INTERFACE("mcast-interface", "xxxxxxxxx.xxxx"),
    TIMEOUT("timeout",                 "xxxx1xxxxxxxxx"),
    DAEMON("daemon",                   "xxxx1xxxxxxxxx"),
    STATS("stats",                     "xxxx.xxxxxxxxx"),
    RATE("rate",                       "xxxx.xxxxxxxxx"),
    THRESHOLDS("thresholds",           "xxxx.xxxxxxxxx"),
    PERSISTENT_CONN("persistent-conn", "xxxx.xxxxxxxxx"),
    NOSORT("nosort",                   "xxxx.xxxxxxxxx"),
    SYNCID("syncid",                   "xxxx.xxxx..xxx"),
    EXACT("exact",                     "xxxx.xxxxxxxxx"),
    OPS("ops",                         "..xxxxxxxxxxxx"),
    PE("pe",                           "..xxxxxxxxxxxx"),
    SCHED_FLAGS("sched-flags",         "..xxxxxxxxxxxx"),
    MCAST_GROUP("mcast-group",         "xxxxxxxxx.xxxx"),
    MCAST_PORT("mcast-port",           "xxxxxxxxx.xxxx"),
    MCAST_TTL("mcast-ttl",             "xxxxxxxxx.xxxx"),
    SYNC_MAXLEN("sync-maxlen",         "xxxxxxxxx.xxxx"),
    TUN_INFO("tun-info",               "xxxx.xxxxxxxxx"),
    TUN_TYPE("tun-type",               "xxxxx.x.xxxxxx"),
    TUN_PORT("tun-port",               "xxxxx.x.xxxxxx"),
    TUN_NOCSUM("tun-nocsum",           "xxxxx.x.xxxxxx"),
    TUN_CSUM("tun-csum",               "xxxxx.x.xxxxxx"),
    TUN_REMCSUM("tun-remcsum",         "xxxxx.x.xxxxxx"),
    // JVS extensions: only for -a/-e, and never together (reported with ipvsadm's conflict wording)
    PROXY_PROTOCOL("proxy-protocol",   "xxxxx1x1xxxxxx"),
    TRANSPARENT("transparent",         "xxxxx1x1xxxxxx"),
    // JVS extension: only for -A/-E
    MAX_CONNS("max-conns",             "..xxxxxxxxxxxx");

    private final String messageName;
    private final String columns;

    OptionRow(String messageName, String columns) {
        this.messageName = messageName;
        this.columns = columns;
    }

    String messageName() { return messageName; }

    /** The matrix cell for a command: {@code + x . 1}. */
    char rule(CommandKind command) { return columns.charAt(command.ordinal()); }
}

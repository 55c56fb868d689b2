package dev.jvs.ipvsadm;

import dev.jvs.model.CommandKind;

/** ipvsadm's popt option table: long name, short letters, argument kind, and what the option means. */
enum PoptOption {
    ADD_SERVICE("add-service", "A", Arg.NONE, CommandKind.ADD_SERVICE, null),
    EDIT_SERVICE("edit-service", "E", Arg.NONE, CommandKind.EDIT_SERVICE, null),
    DELETE_SERVICE("delete-service", "D", Arg.NONE, CommandKind.DELETE_SERVICE, null),
    CLEAR("clear", "C", Arg.NONE, CommandKind.FLUSH, null),
    RESTORE("restore", "R", Arg.NONE, CommandKind.RESTORE, null),
    SAVE("save", "S", Arg.NONE, CommandKind.SAVE, null),
    ADD_SERVER("add-server", "a", Arg.NONE, CommandKind.ADD_SERVER, null),
    EDIT_SERVER("edit-server", "e", Arg.NONE, CommandKind.EDIT_SERVER, null),
    DELETE_SERVER("delete-server", "d", Arg.NONE, CommandKind.DELETE_SERVER, null),
    LIST("list", "Ll", Arg.NONE, CommandKind.LIST, null),
    ZERO("zero", "Z", Arg.NONE, CommandKind.ZERO, null),
    SET("set", "", Arg.NONE, CommandKind.SET, null),
    START_DAEMON("start-daemon", "", Arg.REQUIRED, CommandKind.START_DAEMON, null),
    STOP_DAEMON("stop-daemon", "", Arg.REQUIRED, CommandKind.STOP_DAEMON, null),
    HELP("help", "h", Arg.NONE, CommandKind.HELP, null),
    VERSION("version", "v", Arg.NONE, CommandKind.VERSION, null),

    TCP_SERVICE("tcp-service", "t", Arg.REQUIRED, null, OptionRow.SERVICE),
    UDP_SERVICE("udp-service", "u", Arg.REQUIRED, null, OptionRow.SERVICE),
    SCTP_SERVICE("sctp-service", "", Arg.REQUIRED, null, OptionRow.SERVICE),
    FWMARK_SERVICE("fwmark-service", "f", Arg.REQUIRED, null, OptionRow.SERVICE),
    IPV6("ipv6", "6", Arg.NONE, null, null),
    SCHEDULER("scheduler", "s", Arg.REQUIRED, null, OptionRow.SCHEDULER),
    PERSISTENT("persistent", "p", Arg.OPTIONAL, null, OptionRow.PERSISTENT),
    NETMASK("netmask", "M", Arg.REQUIRED, null, OptionRow.NETMASK),
    PE("pe", "", Arg.REQUIRED, null, OptionRow.PE),
    SCHED_FLAGS("sched-flags", "b", Arg.REQUIRED, null, OptionRow.SCHED_FLAGS),
    OPS("ops", "o", Arg.NONE, null, OptionRow.OPS),
    REAL_SERVER("real-server", "r", Arg.REQUIRED, null, OptionRow.REAL_SERVER),
    GATEWAYING("gatewaying", "g", Arg.NONE, null, OptionRow.FORWARD),
    IPIP("ipip", "i", Arg.NONE, null, OptionRow.FORWARD),
    MASQUERADING("masquerading", "m", Arg.NONE, null, OptionRow.FORWARD),
    WEIGHT("weight", "w", Arg.REQUIRED, null, OptionRow.WEIGHT),
    U_THRESHOLD("u-threshold", "x", Arg.REQUIRED, null, OptionRow.U_THRESHOLD),
    L_THRESHOLD("l-threshold", "y", Arg.REQUIRED, null, OptionRow.L_THRESHOLD),
    TUN_TYPE("tun-type", "", Arg.REQUIRED, null, OptionRow.TUN_TYPE),
    TUN_PORT("tun-port", "", Arg.REQUIRED, null, OptionRow.TUN_PORT),
    TUN_NOCSUM("tun-nocsum", "", Arg.NONE, null, OptionRow.TUN_NOCSUM),
    TUN_CSUM("tun-csum", "", Arg.NONE, null, OptionRow.TUN_CSUM),
    TUN_REMCSUM("tun-remcsum", "", Arg.NONE, null, OptionRow.TUN_REMCSUM),
    NUMERIC("numeric", "n", Arg.NONE, null, OptionRow.NUMERIC),
    CONNECTION("connection", "c", Arg.NONE, null, OptionRow.CONNECTION),
    TIMEOUT("timeout", "", Arg.NONE, null, OptionRow.TIMEOUT),
    DAEMON("daemon", "", Arg.NONE, null, OptionRow.DAEMON),
    STATS("stats", "", Arg.NONE, null, OptionRow.STATS),
    RATE("rate", "", Arg.NONE, null, OptionRow.RATE),
    EXACT("exact", "X", Arg.NONE, null, OptionRow.EXACT),
    THRESHOLDS("thresholds", "", Arg.NONE, null, OptionRow.THRESHOLDS),
    PERSISTENT_CONN("persistent-conn", "", Arg.NONE, null, OptionRow.PERSISTENT_CONN),
    TUN_INFO("tun-info", "", Arg.NONE, null, OptionRow.TUN_INFO),
    NOSORT("nosort", "", Arg.NONE, null, OptionRow.NOSORT),
    SORT("sort", "", Arg.NONE, null, null),
    MCAST_INTERFACE("mcast-interface", "", Arg.REQUIRED, null, OptionRow.MCAST_INTERFACE),
    SYNCID("syncid", "", Arg.REQUIRED, null, OptionRow.SYNCID),
    SYNC_MAXLEN("sync-maxlen", "", Arg.REQUIRED, null, OptionRow.SYNC_MAXLEN),
    MCAST_GROUP("mcast-group", "", Arg.REQUIRED, null, OptionRow.MCAST_GROUP),
    MCAST_PORT("mcast-port", "", Arg.REQUIRED, null, OptionRow.MCAST_PORT),
    MCAST_TTL("mcast-ttl", "", Arg.REQUIRED, null, OptionRow.MCAST_TTL),
    PROXY_PROTOCOL("proxy-protocol", "", Arg.REQUIRED, null, OptionRow.PROXY_PROTOCOL),
    TRANSPARENT("transparent", "", Arg.NONE, null, OptionRow.TRANSPARENT),
    MAX_CONNS("max-conns", "", Arg.REQUIRED, null, OptionRow.MAX_CONNS);

    enum Arg { NONE, REQUIRED, OPTIONAL }

    final String longName;
    final String shortLetters;
    final Arg arg;
    /** Non-null for the command options. */
    final CommandKind command;
    /** Matrix row; null for commands, {@code -6} and {@code --sort}, which the matrix ignores. */
    final OptionRow row;

    PoptOption(String longName, String shortLetters, Arg arg, CommandKind command, OptionRow row) {
        this.longName = longName;
        this.shortLetters = shortLetters;
        this.arg = arg;
        this.command = command;
        this.row = row;
    }

    /** Exact long-name match: popt does not accept abbreviations here. */
    static PoptOption byLongName(String name) {
        for (PoptOption option : values()) if (option.longName.equals(name)) return option;
        return null;
    }

    static PoptOption byShortLetter(char letter) {
        for (PoptOption option : values()) if (option.shortLetters.indexOf(letter) >= 0) return option;
        return null;
    }
}

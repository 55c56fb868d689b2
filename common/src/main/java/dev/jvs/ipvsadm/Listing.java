package dev.jvs.ipvsadm;

import dev.jvs.model.ForwardMethod;
import dev.jvs.model.ListOptions;
import dev.jvs.model.ListOptions.Columns;
import dev.jvs.model.Protocol;
import dev.jvs.model.RealServerConfig;
import dev.jvs.model.RealServerView;
import dev.jvs.model.ServiceConfig;
import dev.jvs.model.ServiceKey;
import dev.jvs.model.ServiceView;
import dev.jvs.model.TableView;
import dev.jvs.model.Timeouts;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code ipvsadm -L} output, byte for byte: the default view, {@code --stats}, {@code --rate} (with
 * {@code --exact}), {@code --thresholds}, {@code --persistent-conn}, {@code --tun-info} and {@code --timeout}.
 * The connection table ({@code -c}) and {@code --daemon} are not part of a {@link TableView} and are rendered
 * by their owners.
 */
public final class Listing {

    static final String IPVS_VERSION = "1.2.1";
    private static final String PROT_LOCAL = "Prot LocalAddress:Port";
    private static final String REMOTE = "  -> RemoteAddress:Port";

    private Listing() {
    }

    /**
     * The listing of the whole table ({@code onlyService} null: with the version line) or of one service
     * (no version line). The caller reports {@code No such service} when {@code onlyService} is not in the
     * table; this method then prints only the title.
     */
    public static String list(TableView table, ListOptions opts, ServiceKey onlyService, NameResolver names) {
        NameResolver resolver = opts.numeric() ? NumericNames.INSTANCE : names;
        Columns view = opts.columns();
        StringBuilder out = new StringBuilder();
        if (onlyService == null) {
            out.append("IP Virtual Server version ").append(IPVS_VERSION)
                    .append(" (size=").append(table.connTableSize()).append(")\n");
        }
        title(out, view);
        for (ServiceView service : TableOrder.services(table.services(), opts.nosort())) {
            if (onlyService != null && !service.config().key().equals(onlyService)) continue;
            serviceRow(out, view, service, resolver, opts.exact());
            for (RealServerView server : TableOrder.servers(service.servers(), opts.nosort())) {
                serverRow(out, view, service.config().key(), server, resolver, opts.exact());
            }
        }
        return out.toString();
    }

    /** {@code ipvsadm -L --timeout}. */
    public static String timeout(Timeouts timeouts) {
        return "Timeout (tcp tcpfin udp): " + timeouts.tcp() + " " + timeouts.tcpFin() + " " + timeouts.udp() + "\n";
    }

    /**
     * ipvsadm's print_largenum: 9 columns with a leading space; without {@code exact} values from 10^8 up are
     * truncated to K/M/G/T (decimal) keeping at least three digits. Values are unsigned 64-bit.
     */
    public static String largeNumber(long v, boolean exact) {
        if (exact || Long.compareUnsigned(v, 100_000_000L) < 0) return String.format(" %8s", Long.toUnsignedString(v));
        long divisor;
        String suffix;
        if (Long.compareUnsigned(v, 1_000_000_000L) < 0) {
            divisor = 1_000L;
            suffix = "K";
        } else if (Long.compareUnsigned(v, 100_000_000_000L) < 0) {
            divisor = 1_000_000L;
            suffix = "M";
        } else if (Long.compareUnsigned(v, 100_000_000_000_000L) < 0) {
            divisor = 1_000_000_000L;
            suffix = "G";
        } else {
            divisor = 1_000_000_000_000L;
            suffix = "T";
        }
        return String.format("%8s", Long.toUnsignedString(Long.divideUnsigned(v, divisor))) + suffix;
    }

    private static void title(StringBuilder out, Columns view) {
        switch (view) {
            case STATS -> out.append(String.format("%-33s %8s %8s %8s %8s %8s%n", PROT_LOCAL,
                    "Conns", "InPkts", "OutPkts", "InBytes", "OutBytes")).append(REMOTE).append('\n');
            case RATE -> out.append(String.format("%-33s %8s %8s %8s %8s %8s%n", PROT_LOCAL,
                    "CPS", "InPPS", "OutPPS", "InBPS", "OutBPS")).append(REMOTE).append('\n');
            case THRESHOLDS -> out.append(String.format("%-33s %-10s %-10s %-10s %-10s%n", PROT_LOCAL,
                    "Uthreshold", "Lthreshold", "ActiveConn", "InActConn")).append(REMOTE).append('\n');
            case PERSISTENT_CONN -> out.append(String.format("%-33s %-9s %-11s %-10s %-10s%n", PROT_LOCAL,
                    "Weight", "PersistConn", "ActiveConn", "InActConn")).append(REMOTE).append('\n');
            case TUN_INFO -> out.append("Prot LocalAddress:Port Scheduler Flags\n")
                    .append(pad(REMOTE, 34)).append("Forward TunnelInfo    Weight ActiveConn InActConn\n");
            case CONNECTIONS -> out.append("Prot LocalAddress:Port Scheduler Flags\n")
                    .append(pad(REMOTE, 34)).append("Forward Weight ActiveConn InActConn\n");
        }
    }

    private static void serviceRow(StringBuilder out, Columns view, ServiceView service, NameResolver names,
                                   boolean exact) {
        String label = label(service.config().key(), names);
        switch (view) {
            case STATS -> out.append(pad(label, 33)).append(numbers(exact, service.stats().conns(),
                    service.stats().inPkts(), service.stats().outPkts(), service.stats().inBytes(),
                    service.stats().outBytes())).append('\n');
            case RATE -> out.append(pad(label, 33)).append(numbers(exact, service.rates().cps(),
                    service.rates().inPps(), service.rates().outPps(), service.rates().inBps(),
                    service.rates().outBps())).append('\n');
            default -> out.append(label).append(' ').append(describe(service.config())).append('\n');
        }
    }

    /** Scheduler and flags as the default service line shows them after the label. */
    private static String describe(ServiceConfig config) {
        StringBuilder out = new StringBuilder(config.scheduler());
        List<String> flags = flagWords(config);
        if (!flags.isEmpty()) out.append(" (").append(String.join(",", flags)).append(')');
        if (config.persistent()) {
            out.append(" persistent ").append(config.persistenceTimeout());
            if (config.netmask() != config.defaultNetmask()) {
                out.append(" mask ").append(config.key().ipv6() ? Integer.toString(config.netmask())
                        : InetText.format(InetText.ipv4(config.netmask())));
            }
            if (config.persistenceEngine() != null) out.append(" pe ").append(config.persistenceEngine());
        }
        if (config.onePacket()) out.append(" ops");
        return out.toString();
    }

    /** SCHED1..3 as the scheduler names them: sh/mh have their own words and no third flag. */
    static List<String> flagWords(ServiceConfig config) {
        String[] words = switch (config.scheduler()) {
            case "sh" -> new String[] {"sh-fallback", "sh-port", null};
            case "mh" -> new String[] {"mh-fallback", "mh-port", null};
            default -> new String[] {"flag-1", "flag-2", "flag-3"};
        };
        int[] bits = {ServiceConfig.SCHED1, ServiceConfig.SCHED2, ServiceConfig.SCHED3};
        List<String> result = new ArrayList<>();
        for (int i = 0; i < bits.length; i++) {
            if ((config.schedFlags() & bits[i]) != 0 && words[i] != null) result.add(words[i]);
        }
        return result;
    }

    private static void serverRow(StringBuilder out, Columns view, ServiceKey key, RealServerView server,
                                  NameResolver names, boolean exact) {
        RealServerConfig config = server.config();
        String name = endpoint(config.address(), config.port(), portProtocol(key), names);
        if (!(config.address() instanceof Inet6Address) && name.length() > 28) name = name.substring(0, 28);
        out.append("  -> ");
        switch (view) {
            case STATS -> out.append(pad(name, 28)).append(numbers(exact, server.stats().conns(),
                    server.stats().inPkts(), server.stats().outPkts(), server.stats().inBytes(),
                    server.stats().outBytes()));
            case RATE -> out.append(pad(name, 28))
                    // ipvsadm prints the real server's first three rates plainly (never scaled)
                    .append(String.format(" %8s %8s %8s", Long.toUnsignedString(server.rates().cps()),
                            Long.toUnsignedString(server.rates().inPps()),
                            Long.toUnsignedString(server.rates().outPps())))
                    .append(numbers(exact, server.rates().inBps(), server.rates().outBps()));
            case THRESHOLDS -> out.append(String.format("%-28s %-10d %-10d %-10d %-10d", name,
                    config.upperThreshold(), config.lowerThreshold(), server.activeConns(), server.inactiveConns()));
            case PERSISTENT_CONN -> out.append(String.format("%-28s %-9d %-11d %-10d %-10d", name,
                    config.weight(), server.persistConns(), server.activeConns(), server.inactiveConns()));
            case TUN_INFO -> out.append(String.format("%-28s %-7s %-13s %-6d %-10d %-10d", name,
                    config.method().displayName(), tunnelInfo(config), config.weight(), server.activeConns(),
                    server.inactiveConns()));
            case CONNECTIONS -> out.append(String.format("%-28s %-7s %-6d %-10d %-10d", name,
                    config.method().displayName(), config.weight(), server.activeConns(), server.inactiveConns()));
        }
        out.append('\n');
    }

    private static String tunnelInfo(RealServerConfig config) {
        if (config.method() != ForwardMethod.TUNNEL) return "n/a";
        return switch (config.tunnelType()) {
            case IPIP -> "ipip";
            case GUE -> "gue:" + config.tunnelPort() + ":" + config.tunnelChecksum().infoText();
            case GRE -> "gre:" + config.tunnelChecksum().infoText();
        };
    }

    private static String numbers(boolean exact, long... values) {
        StringBuilder out = new StringBuilder();
        for (long value : values) out.append(largeNumber(value, exact));
        return out.toString();
    }

    /** {@code TCP  10.0.0.1:80}, {@code FWM  1 IPv6}; IPv4 labels are cut at 33 characters. */
    static String label(ServiceKey key, NameResolver names) {
        String label;
        if (key.isFwmark()) {
            label = "FWM  " + (int) key.fwmark() + (key.ipv6() ? " IPv6" : ""); // printed signed, as ipvsadm does
        } else {
            label = pad(key.protocol().label(), 4) + " " + endpoint(key.address(), key.port(), key.protocol(), names);
        }
        return !key.ipv6() && label.length() > 33 ? label.substring(0, 33) : label;
    }

    /** The protocol used to name real-server ports: none for fwmark services. */
    static Protocol portProtocol(ServiceKey key) {
        return key.isFwmark() ? null : key.protocol();
    }

    /** ipvsadm's addrport_to_anyname: {@code host:port}, IPv6 bracketed, cut at 59 characters. */
    static String endpoint(InetAddress address, int port, Protocol protocol, NameResolver names) {
        String host = names.host(address);
        if (address instanceof Inet6Address) host = "[" + host + "]";
        String text = host + ":" + names.port(port, protocol);
        return text.length() > 59 ? text.substring(0, 59) : text;
    }

    private static String pad(String text, int width) {
        return text.length() >= width ? text : text + " ".repeat(width - text.length());
    }
}

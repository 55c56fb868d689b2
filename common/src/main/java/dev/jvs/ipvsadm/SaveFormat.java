package dev.jvs.ipvsadm;

import dev.jvs.model.ForwardMethod;
import dev.jvs.model.RealServerConfig;
import dev.jvs.model.RealServerView;
import dev.jvs.model.ServiceConfig;
import dev.jvs.model.ServiceKey;
import dev.jvs.model.ServiceView;
import dev.jvs.model.TableView;
import dev.jvs.model.Timeouts;


/**
 * {@code ipvsadm -S} output (the rule format {@code -R} reads back), sorted like {@code -L}. JVS's client-address
 * options ({@code --proxy-protocol}, {@code --transparent}) are always written: ipvsadm has no such setting, so a
 * table ipvsadm could build saves exactly as ipvsadm saves it, and a JVS table survives {@code -S | -R}.
 * The extended form is JVS's state file: it also writes what ipvsadm's save leaves out (thresholds and the
 * timeouts) as options JVS's {@code -R} accepts, so a restart restores the table exactly.
 */
public final class SaveFormat {

    private SaveFormat() {
    }

    public static String save(TableView table, boolean numeric, NameResolver names, boolean extended) {
        NameResolver resolver = numeric ? NumericNames.INSTANCE : names;
        StringBuilder out = new StringBuilder();
        for (ServiceView service : TableOrder.services(table.services(), false)) {
            ServiceConfig config = service.config();
            String selector = selector(config.key(), resolver, extended);
            out.append("-A ").append(selector).append(serviceOptions(config)).append('\n');
            for (RealServerView server : TableOrder.servers(service.servers(), false)) {
                out.append("-a ").append(selector).append(" -r ")
                        .append(serverOptions(config.key(), server.config(), resolver, extended)).append('\n');
            }
        }
        Timeouts timeouts = table.timeouts();
        if (extended && timeouts != null) {
            out.append("--set ").append(timeouts.tcp()).append(' ').append(timeouts.tcpFin()).append(' ')
                    .append(timeouts.udp()).append('\n');
        }
        return out.toString();
    }

    /** {@code -t ADDR:PORT}, {@code -u …}, {@code --sctp-service …}, {@code -f MARK [-6]}. */
    private static String selector(ServiceKey key, NameResolver names, boolean extended) {
        if (key.isFwmark()) {
            // ipvsadm writes the mark signed (so marks >= 2^31 do not restore); JVS's state file must restore
            String mark = extended ? Long.toString(key.fwmark()) : Integer.toString((int) key.fwmark());
            return "-f " + mark + (key.ipv6() ? " -6" : "");
        }
        return key.protocol().saveOption() + " " + Listing.endpoint(key.address(), key.port(), key.protocol(), names);
    }

    private static String serviceOptions(ServiceConfig config) {
        StringBuilder out = new StringBuilder(" -s ").append(config.scheduler());
        if (config.persistent()) {
            out.append(" -p ").append(config.persistenceTimeout());
            if (config.netmask() != config.defaultNetmask()) {
                out.append(" -M ").append(config.key().ipv6() ? Integer.toString(config.netmask())
                        : InetText.format(InetText.ipv4(config.netmask())));
            }
        }
        if (config.persistenceEngine() != null) out.append(" --pe ").append(config.persistenceEngine());
        if (config.onePacket()) out.append(" -o");
        if (!Listing.flagWords(config).isEmpty()) out.append(" -b ").append(String.join(",", Listing.flagWords(config)));
        // JVS's own service option: kept by -S so that -S | -R loses nothing
        if (config.maxConns() > 0) out.append(" --max-conns ").append(config.maxConns());
        return out.toString();
    }

    private static String serverOptions(ServiceKey key, RealServerConfig server, NameResolver names, boolean extended) {
        StringBuilder out = new StringBuilder(
                Listing.endpoint(server.address(), server.port(), Listing.portProtocol(key), names));
        out.append(' ').append(server.method().saveSwitch()).append(" -w ").append(server.weight());
        if (extended) {
            if (server.upperThreshold() != 0) out.append(" -x ").append(server.upperThreshold());
            if (server.lowerThreshold() != 0) out.append(" -y ").append(server.lowerThreshold());
        }
        if (server.method() == ForwardMethod.TUNNEL) {
            out.append(" --tun-type ").append(server.tunnelType().optionValue());
            switch (server.tunnelType()) {
                case GUE -> out.append(" --tun-port ").append(server.tunnelPort())
                        .append(' ').append(server.tunnelChecksum().option());
                case GRE -> out.append(' ').append(server.tunnelChecksum().option());
                case IPIP -> {
                }
            }
        }
        switch (server.clientIp()) {
            case PROXY_V1 -> out.append(" --proxy-protocol v1");
            case PROXY_V2 -> out.append(" --proxy-protocol v2");
            case TRANSPARENT -> out.append(" --transparent");
            case NONE -> {
            }
        }
        return out.toString();
    }

}

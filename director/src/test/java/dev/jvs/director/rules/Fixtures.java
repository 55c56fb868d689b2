package dev.jvs.director.rules;

import dev.jvs.model.Command;
import dev.jvs.model.ForwardMethod;
import dev.jvs.model.Protocol;
import dev.jvs.model.RealServerConfig;
import dev.jvs.model.ServiceConfig;
import dev.jvs.model.ServiceKey;
import dev.jvs.model.Timeouts;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/** Builds ipvsadm commands the way the CLI would send them. */
public final class Fixtures {

    public static final ServiceKey VIP = ServiceKey.of(Protocol.TCP, addr("10.0.0.1"), 80);
    public static final InetSocketAddress CLIENT = new InetSocketAddress(addr("192.0.2.7"), 40000);

    private Fixtures() {
    }

    public static InetAddress addr(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    public static ServiceConfig service(ServiceKey key, String scheduler) {
        return ServiceConfig.defaults(key).withScheduler(scheduler);
    }

    public static Command.RuleChange addService(ServiceKey key, String scheduler) {
        return new Command.AddService(service(key, scheduler));
    }

    public static Command.RuleChange addService(ServiceConfig config) {
        return new Command.AddService(config);
    }

    public static Command.RuleChange editService(ServiceKey key, String scheduler) {
        return new Command.EditService(service(key, scheduler));
    }

    public static Command.RuleChange editService(ServiceConfig config) {
        return new Command.EditService(config);
    }

    public static Command.RuleChange deleteService(ServiceKey key) {
        return new Command.DeleteService(key);
    }

    public static Command.RuleChange flush() {
        return new Command.Flush();
    }

    public static Command.RuleChange zero(ServiceKey keyOrNull) {
        return new Command.Zero(java.util.Optional.ofNullable(keyOrNull));
    }

    public static Command.RuleChange set(int tcp, int tcpFin, int udp) {
        return new Command.SetTimeouts(new Timeouts(tcp, tcpFin, udp));
    }

    public static Command.RuleChange addServer(ServiceKey key, RealServerConfig server) {
        return new Command.AddServer(key, server);
    }

    public static Command.RuleChange editServer(ServiceKey key, RealServerConfig server) {
        return new Command.EditServer(key, server);
    }

    public static Command.RuleChange deleteServer(ServiceKey key, String ip) {
        return new Command.DeleteServer(key, rs(ip, 1));
    }

    /** A direct-routing server on port 80. */
    public static RealServerConfig rs(String ip, int weight) {
        return RealServerConfig.of(addr(ip), 80, ForwardMethod.ROUTE, weight);
    }

    public static RealServerConfig rs(String ip, ForwardMethod method, int weight) {
        return RealServerConfig.of(addr(ip), 80, method, weight);
    }

    public static RealServerConfig thresholds(RealServerConfig c, int upper, int lower) {
        return new RealServerConfig(c.address(), c.port(), c.method(), c.weight(), upper, lower,
                c.tunnelType(), c.tunnelPort(), c.tunnelChecksum(), c.clientIp());
    }

    public static void apply(RuleTable table, Command.RuleChange... commands) {
        try {
            table.apply(List.of(commands));
        } catch (BatchException e) {
            throw new AssertionError("command " + e.index() + " failed: " + e.getMessage(), e);
        }
    }

    /** A table with one service whose servers are added in the given order (so listed in reverse). */
    public static RuleTable serviceWith(String scheduler, RealServerConfig... addedInOrder) {
        RuleTable table = new RuleTable();
        List<Command.RuleChange> batch = new ArrayList<>();
        batch.add(addService(VIP, scheduler));
        for (RealServerConfig c : addedInOrder) {
            batch.add(addServer(VIP, c));
        }
        apply(table, batch.toArray(Command.RuleChange[]::new));
        return table;
    }

    /** A, B, C or D for the fixture addresses, else the address. */
    public static String name(Dest d) {
        return d == null ? "-" : NAMES.getOrDefault(d.config().address().getHostAddress(), d.config().address()
                .getHostAddress());
    }

    private static final java.util.Map<String, String> NAMES = java.util.Map.of(
            "192.168.0.1", "A", "192.168.0.2", "B", "192.168.0.3", "C", "192.168.0.4", "D");

    public static final String A = "192.168.0.1";
    public static final String B = "192.168.0.2";
    public static final String C = "192.168.0.3";
    public static final String D = "192.168.0.4";

    /** Schedules {@code n} connections; each one is bound and, if {@code becomeActive}, moved to active. */
    public static String pick(VirtualService vs, int n, boolean bind, boolean becomeActive) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            Dest d = vs.schedule(CLIENT);
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(name(d));
            if (d != null && bind) {
                d.bindConnection();
                if (becomeActive) {
                    d.moveToActive();
                }
            }
        }
        return sb.toString();
    }

    public static String pick(VirtualService vs, int n) {
        return pick(vs, n, false, false);
    }
}

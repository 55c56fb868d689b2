package dev.jvs.healthcheck.config;

import dev.jvs.model.Command;
import dev.jvs.model.RealServerConfig;
import dev.jvs.model.RealServerView;
import dev.jvs.model.Rates;
import dev.jvs.model.ServiceConfig;
import dev.jvs.model.ServiceView;
import dev.jvs.model.Stats;
import dev.jvs.model.TableView;
import dev.jvs.model.Timeouts;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.Function;

/**
 * What the IPVS table should hold for a virtual server, given which real servers are alive: keepalived's
 * rules for inhibit_on_failure (weight 0 instead of removal), quorum and the sorry server. Pure functions, so
 * the engine and the config tests share one definition.
 */
public final class TablePlan {

    private TablePlan() {
    }

    /**
     * The destinations of one virtual server.
     *
     * @param liveWeight the effective weight of each alive real server; empty when it is down
     * @param quorumUp   whether the quorum is currently held
     */
    public static List<RealServerConfig> destinations(VirtualServerDef vs, Function<RealServerDef, OptionalInt> liveWeight,
                                                      boolean quorumUp) {
        List<RealServerConfig> out = new ArrayList<>();
        boolean sorryActive = !quorumUp && vs.sorryServer().isPresent();
        for (RealServerDef rs : vs.realServers()) {
            OptionalInt weight = liveWeight.apply(rs);
            if (weight.isPresent() && !sorryActive) {
                out.add(withWeight(rs.config(), weight.getAsInt()));
            } else if (rs.inhibitOnFailure()) {
                out.add(withWeight(rs.config(), 0));
            }
        }
        vs.sorryServer().ifPresent(sorry -> {
            // A sorry server that is also a real server is that real server: it is not added twice.
            if (out.stream().anyMatch(c -> c.sameEndpoint(sorry.config()))) {
                if (sorryActive) out.replaceAll(c -> c.sameEndpoint(sorry.config()) ? sorry.config() : c);
                return;
            }
            if (sorryActive) out.add(sorry.config());
            else if (vs.sorryServerInhibit()) out.add(withWeight(sorry.config(), 0));
        });
        return out;
    }

    /** Sum of the effective weights of alive real servers (keepalived's W). */
    public static long aliveWeight(VirtualServerDef vs, Function<RealServerDef, OptionalInt> liveWeight) {
        long sum = 0;
        for (RealServerDef rs : vs.realServers()) sum += liveWeight.apply(rs).orElse(0);
        return sum;
    }

    /** Whether the quorum holds after a change, given whether it held before (hysteresis makes it sticky). */
    public static boolean quorumAfter(VirtualServerDef vs, long aliveWeight, boolean wasUp) {
        if (wasUp) return !(aliveWeight == 0 || aliveWeight < (long) vs.quorum() - vs.hysteresis());
        return aliveWeight >= (long) vs.quorum() + vs.hysteresis();
    }

    /**
     * At start-up a real server is alive at its configured weight unless one of its checkers starts down
     * ({@code alpha}); one without checkers is always alive.
     */
    public static OptionalInt startWeight(RealServerDef rs) {
        return rs.checkers().stream().anyMatch(CheckerDef::alpha) ? OptionalInt.empty() : OptionalInt.of(rs.weight());
    }

    public static boolean startQuorum(VirtualServerDef vs) {
        return quorumAfter(vs, aliveWeight(vs, TablePlan::startWeight), false);
    }

    /** The ipvsadm commands that build the start-up table of every virtual server. */
    public static List<Command> startCommands(List<VirtualServerDef> services) {
        List<Command> commands = new ArrayList<>();
        for (VirtualServerDef vs : services) {
            List<RealServerConfig> dests = destinations(vs, TablePlan::startWeight, startQuorum(vs));
            for (ServiceConfig service : vs.services()) {
                commands.add(addService(service));
                for (RealServerConfig dest : dests) commands.add(new Command.AddServer(service.key(), dest));
            }
        }
        return commands;
    }

    /** The start-up table as a listing would show it (for --config-test and tests). */
    public static TableView startView(List<VirtualServerDef> services, int connTableSize) {
        Map<Object, ServiceView> views = new LinkedHashMap<>();
        for (VirtualServerDef vs : services) {
            List<RealServerConfig> dests = destinations(vs, TablePlan::startWeight, startQuorum(vs));
            List<RealServerView> servers = new ArrayList<>();
            // The kernel lists the newest destination first.
            for (RealServerConfig dest : dests) servers.add(0, new RealServerView(dest, 0, 0, 0, Stats.ZERO, Rates.ZERO));
            for (ServiceConfig service : vs.services()) {
                views.put(service.key(), new ServiceView(service, Stats.ZERO, Rates.ZERO, servers));
            }
        }
        return new TableView(connTableSize, List.copyOf(views.values()), Timeouts.KERNEL_DEFAULTS);
    }

    public static Command addService(ServiceConfig service) {
        return new Command.AddService(service);
    }

    public static RealServerConfig withWeight(RealServerConfig c, int weight) {
        return new RealServerConfig(c.address(), c.port(), c.method(), weight, c.upperThreshold(),
                c.lowerThreshold(), c.tunnelType(), c.tunnelPort(), c.tunnelChecksum(), c.clientIp());
    }
}

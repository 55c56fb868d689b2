package dev.jvs.director.metrics;

import dev.jvs.director.rules.Dest;
import dev.jvs.director.rules.VirtualService;
import dev.jvs.director.vrrp.VrrpInstance;
import dev.jvs.healthcheck.engine.RealServerHealth;
import dev.jvs.model.Rates;
import dev.jvs.model.ServiceKey;
import dev.jvs.model.Stats;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** One picture of the director for the status page and {@code /status.json}, read from the sources at request time. */
record StatusModel(long generatedAtMillis, List<ServiceStatus> services, List<VrrpStatus> vrrp) {

    /** A real server's state as an operator names it. */
    enum State {
        /** In the table with a weight, health checks passing (or none). */
        UP,
        /** Its health checks fail: out of the table, or weight 0 with inhibit_on_failure. */
        DOWN,
        /** Weight 0 and still holding connections: they finish, no new ones come. */
        DRAINING,
        /** Weight 0 and idle. */
        QUIESCED;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    record ServiceStatus(String protocol, String address, String scheduler, boolean persistent, Stats stats, Rates rates,
                         List<ServerStatus> servers) {
    }

    record ServerStatus(String address, String forward, int weight, State state, int activeConns, int inactiveConns,
                        Rates rates, String checkers, String reason, long healthChangedAtMillis) {
    }

    record VrrpStatus(String instance, String state, long transitions) {
    }

    static StatusModel read(Sources sources) {
        Map<String, RealServerHealth> health = new HashMap<>();
        for (RealServerHealth h : sources.health().get()) health.put(key(h.service(), h.realServer()), h);
        List<ServiceStatus> services = new ArrayList<>();
        for (VirtualService vs : sources.rules().services()) {
            ServiceKey key = vs.key();
            List<ServerStatus> servers = new ArrayList<>();
            Set<String> listed = new HashSet<>();
            for (Dest d : vs.dests()) {
                InetSocketAddress endpoint = d.config().socketAddress();
                listed.add(key(key, endpoint));
                RealServerHealth h = health.get(key(key, endpoint));
                int conns = d.activeConns() + d.inactiveConns();
                State state = h != null && !h.alive() ? State.DOWN
                        : d.weight() > 0 ? State.UP : conns > 0 ? State.DRAINING : State.QUIESCED;
                servers.add(new ServerStatus(endpoint(endpoint.getAddress(), endpoint.getPort()),
                        d.config().method().displayName(), d.weight(), state, d.activeConns(), d.inactiveConns(),
                        d.rates(), h == null ? "" : h.checkers(), h == null ? "" : h.reason(),
                        h == null ? 0 : h.changedAtMillis()));
            }
            // keepalived takes a failed real server out of the table: show it, down, from the checkers' view.
            for (RealServerHealth h : health.values()) {
                if (!h.service().equals(key) || listed.contains(key(key, h.realServer()))) continue;
                servers.add(new ServerStatus(endpoint(h.realServer().getAddress(), h.realServer().getPort()), "",
                        h.weight(), h.alive() ? State.QUIESCED : State.DOWN, 0, 0, Rates.ZERO, h.checkers(), h.reason(),
                        h.changedAtMillis()));
            }
            services.add(new ServiceStatus(key.isFwmark() ? "FWM" : key.protocol().label(),
                    key.isFwmark() ? Long.toString(key.fwmark()) : endpoint(key.address(), key.port()),
                    vs.config().scheduler(), vs.config().persistent(), vs.stats(), vs.rates(), List.copyOf(servers)));
        }
        List<VrrpStatus> vrrp = new ArrayList<>();
        for (VrrpInstance i : sources.vrrp().get()) vrrp.add(new VrrpStatus(i.name(), i.state().name(), i.transitions()));
        return new StatusModel(System.currentTimeMillis(), List.copyOf(services), List.copyOf(vrrp));
    }

    /** {@code 10.0.0.1:80}, {@code [2001:db8::1]:80}. */
    static String endpoint(InetAddress address, int port) {
        String a = IpvsLabels.address(address);
        return (a.indexOf(':') >= 0 ? "[" + a + "]" : a) + ":" + port;
    }

    private static String key(ServiceKey service, InetSocketAddress server) {
        return service + "|" + server.getAddress().getHostAddress() + "|" + server.getPort();
    }
}

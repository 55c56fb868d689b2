package dev.jvs.director.metrics;

import dev.jvs.director.rules.Dest;
import dev.jvs.director.rules.VirtualService;
import dev.jvs.director.rules.RuleTable;
import dev.jvs.model.Stats;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * The node_exporter ipvs collector's series, same names, types and labels, so its dashboards and alerts work on
 * a JVS director. Read from the rule table's current snapshot at each scrape.
 *
 * <p>The five totals are the kernel's {@code /proc/net/ip_vs_stats}; JVS has no separate director-wide counter, so
 * they are the sum over the current services: deleting a service lowers them (Prometheus takes it as a counter
 * reset), where the kernel keeps the deleted service's share. {@code ipvsadm -Z} zeroes them in both.
 */
final class IpvsMetrics {

    private IpvsMetrics() {
    }

    static void register(PrometheusRegistry registry, RuleTable rules) {
        total(registry, rules, "node_ipvs_connections_total", "Connections scheduled by all virtual services.", Stats::conns);
        total(registry, rules, "node_ipvs_incoming_packets_total", "Packets from clients to all virtual services.", Stats::inPkts);
        total(registry, rules, "node_ipvs_outgoing_packets_total", "Packets from real servers back to clients.", Stats::outPkts);
        total(registry, rules, "node_ipvs_incoming_bytes_total", "Bytes from clients to all virtual services.", Stats::inBytes);
        total(registry, rules, "node_ipvs_outgoing_bytes_total", "Bytes from real servers back to clients.", Stats::outBytes);
        backend(registry, rules, "node_ipvs_backend_connections_active",
                "Active connections (ipvsadm ActiveConn) per virtual service and real server.", Dest::activeConns);
        backend(registry, rules, "node_ipvs_backend_connections_inactive",
                "Inactive connections (ipvsadm InActConn) per virtual service and real server.", Dest::inactiveConns);
        backend(registry, rules, "node_ipvs_backend_weight", "Weight per virtual service and real server.", Dest::weight);
    }

    private static void total(PrometheusRegistry registry, RuleTable rules, String name, String help,
                              ToLongFunction<Stats> field) {
        CounterWithCallback.builder().name(name).help(help).callback(cb -> {
            long sum = 0;
            for (VirtualService vs : rules.services()) sum += field.applyAsLong(vs.stats());
            cb.call(sum);
        }).register(registry);
    }

    private static void backend(PrometheusRegistry registry, RuleTable rules, String name, String help,
                                ToDoubleFunction<Dest> value) {
        GaugeWithCallback.builder().name(name).help(help).labelNames(IpvsLabels.BACKEND).callback(cb -> {
            for (VirtualService vs : rules.services()) {
                for (Dest d : vs.dests()) cb.call(value.applyAsDouble(d), IpvsLabels.backend(vs.key(), d.config()));
            }
        }).register(registry);
    }
}

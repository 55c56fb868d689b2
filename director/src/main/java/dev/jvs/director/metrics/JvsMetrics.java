package dev.jvs.director.metrics;

import dev.jvs.director.conn.TcpState;
import dev.jvs.director.packet.PacketCounters;
import dev.jvs.director.rules.Dest;
import dev.jvs.director.rules.VirtualService;
import dev.jvs.director.vrrp.VrrpInstance;
import dev.jvs.director.vrrp.VrrpStateMachine;
import dev.jvs.healthcheck.engine.RealServerHealth;
import dev.jvs.model.RealServerConfig;
import dev.jvs.model.Stats;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;

/** JVS's own series, {@code jvs_}: everything is read from the components when Prometheus scrapes. */
final class JvsMetrics {

    private JvsMetrics() {
    }

    static void register(PrometheusRegistry registry, Sources s) {
        perService(registry, s, "connections", "Connections scheduled", Stats::conns);
        perService(registry, s, "incoming_packets", "Packets from clients (NAT: socket reads)", Stats::inPkts);
        perService(registry, s, "outgoing_packets", "Packets from real servers (NAT: socket reads)", Stats::outPkts);
        perService(registry, s, "incoming_bytes", "Bytes from clients", Stats::inBytes);
        perService(registry, s, "outgoing_bytes", "Bytes from real servers", Stats::outBytes);

        GaugeWithCallback.builder().name("jvs_realserver_health_up")
                .help("1 when the real server's health checks pass, 0 when they fail (only checked real servers).")
                .labelNames(IpvsLabels.BACKEND).callback(cb -> {
                    for (RealServerHealth h : s.health().get()) cb.call(h.alive() ? 1 : 0, healthLabels(h));
                }).register(registry);
        GaugeWithCallback.builder().name("jvs_realserver_health_last_transition_timestamp_seconds")
                .help("When the real server last went up or down (or its checks started), Unix time.")
                .labelNames(IpvsLabels.BACKEND).callback(cb -> {
                    for (RealServerHealth h : s.health().get()) cb.call(h.changedAtMillis() / 1000.0, healthLabels(h));
                }).register(registry);

        gauge(registry, "jvs_connection_table_entries", "Entries in the connection table (connections and templates).",
                () -> s.connections().size());
        gauge(registry, "jvs_connection_table_time_wait_entries", "Connection-table entries in TCP TIME_WAIT.", () -> {
            long[] n = {0};
            s.connections().forEach(c -> {
                if (!c.isTemplate() && c.state() == TcpState.TIME_WAIT) n[0]++;
            });
            return n[0];
        });

        // The packet path sums its threads' counters into a new object per call: read it per scrape.
        counter(registry, "jvs_packet_frames_received_total", "Frames the packet path (DR/TUN) took off the wire.",
                () -> s.packets().counters().framesSeen);
        counter(registry, "jvs_packet_frames_forwarded_total", "Frames the packet path forwarded to a real server.",
                () -> s.packets().counters().forwarded);
        CounterWithCallback.builder().name("jvs_packet_frames_dropped_total")
                .help("Frames for a packet service that the packet path dropped, by reason.")
                .labelNames("reason").callback(cb -> {
                    PacketCounters pc = s.packets().counters();
                    cb.call(pc.truncated, "truncated");
                    cb.call(pc.badIpHeader, "bad_ip_header");
                    cb.call(pc.nonFirstFragments, "non_first_fragment");
                    cb.call(pc.unsupportedHeaders, "unsupported_header");
                    cb.call(pc.noFlowNotSyn, "no_flow_not_syn");
                    cb.call(pc.oddTcpFlags, "odd_tcp_flags");
                    cb.call(pc.noDestination, "no_destination");
                    cb.call(pc.flowTableFull, "flow_table_full");
                    cb.call(pc.deadDestination, "dead_destination");
                    cb.call(pc.awaitingNeighbour, "awaiting_neighbour");
                    cb.call(pc.noEgress, "no_egress");
                    cb.call(pc.transmitQueueFull, "transmit_queue_full");
                    cb.call(pc.tooBigWithoutDf, "too_big_without_df");
                }).register(registry);
        gauge(registry, "jvs_flow_table_entries", "Flows the packet path tracks now.", () -> s.packets().flowCount());
        gauge(registry, "jvs_flow_table_limit", "The flow table's bound (--max-flows).", () -> s.packets().maxFlows());

        GaugeWithCallback.builder().name("jvs_vrrp_state")
                .help("1 for the VRRP instance's current state, 0 for the others.")
                .labelNames("instance", "state").callback(cb -> {
                    for (VrrpInstance i : s.vrrp().get()) {
                        VrrpStateMachine.State now = i.state();
                        for (VrrpStateMachine.State st : VrrpStateMachine.State.values()) {
                            cb.call(st == now ? 1 : 0, i.name(), st.name());
                        }
                    }
                }).register(registry);
        CounterWithCallback.builder().name("jvs_vrrp_transitions_total")
                .help("State changes of the VRRP instance since start.")
                .labelNames("instance").callback(cb -> {
                    for (VrrpInstance i : s.vrrp().get()) cb.call(i.transitions(), i.name());
                }).register(registry);
        CounterWithCallback.builder().name("jvs_vrrp_adverts_dropped_total")
                .help("Received VRRP adverts the instance dropped as invalid.")
                .labelNames("instance").callback(cb -> {
                    for (VrrpInstance i : s.vrrp().get()) cb.call(i.droppedAdverts(), i.name());
                }).register(registry);

        counter(registry, "jvs_sync_messages_sent_total", "Connection-sync messages the master daemon sent.",
                () -> s.sync().counters().sent());
        counter(registry, "jvs_sync_messages_received_total", "Connection-sync messages the backup daemon received.",
                () -> s.sync().counters().received());
        counter(registry, "jvs_sync_messages_dropped_total",
                "Connection-sync messages dropped (master: send queue full; backup: malformed).",
                () -> s.sync().counters().dropped());

        counter(registry, "jvs_nat_accept_errors_total",
                "Failed accepts on NAT listeners (e.g. out of descriptors); each pauses its listener for a second.",
                () -> s.nat().acceptErrors());
        counter(registry, "jvs_nat_accept_pauses_total",
                "Times the NAT listeners stopped accepting because more connections would not fit the open-file limit.",
                () -> s.nat().acceptPauses());

        counter(registry, "jvs_control_commands_total", "Requests on the control socket (ipvsadm calls).",
                () -> s.control().commands());
        counter(registry, "jvs_control_command_errors_total", "Control-socket requests answered with an error.",
                () -> s.control().commandErrors());
    }

    private static String[] healthLabels(RealServerHealth h) {
        return IpvsLabels.backend(h.service(), RealServerConfig.of(h.realServer().getAddress(), h.realServer().getPort(),
                dev.jvs.model.ForwardMethod.MASQ, 0));
    }

    private static void perService(PrometheusRegistry registry, Sources s, String what, String help,
                                   ToLongFunction<Stats> field) {
        CounterWithCallback.builder().name("jvs_service_" + what + "_total").help(help + ", per virtual service.")
                .labelNames(IpvsLabels.SERVICE).callback(cb -> {
                    for (VirtualService vs : s.rules().services()) {
                        cb.call(field.applyAsLong(vs.stats()), IpvsLabels.service(vs.key()));
                    }
                }).register(registry);
        CounterWithCallback.builder().name("jvs_realserver_" + what + "_total")
                .help(help + ", per virtual service and real server.")
                .labelNames(IpvsLabels.BACKEND).callback(cb -> {
                    for (VirtualService vs : s.rules().services()) {
                        for (Dest d : vs.dests()) {
                            cb.call(field.applyAsLong(d.stats()), IpvsLabels.backend(vs.key(), d.config()));
                        }
                    }
                }).register(registry);
    }

    private static void gauge(PrometheusRegistry registry, String name, String help, LongSupplier value) {
        GaugeWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value.getAsLong())).register(registry);
    }

    private static void counter(PrometheusRegistry registry, String name, String help, LongSupplier value) {
        CounterWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value.getAsLong())).register(registry);
    }
}

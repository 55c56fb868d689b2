package dev.jvs.e2e;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --metrics-listen}: after real traffic through a NAT service and a DR service (the DR namespaces of
 * {@link Namespaces}), {@code /metrics} holds node_exporter's ipvs series with its names, types and labels, and
 * JVS's own series count the same traffic.
 */
class MetricsIT extends DirectorInNamespaces {

    static final String DIRECTOR = "10." + Namespaces.NET + ".0.2";
    static final String METRICS = DIRECTOR + ":9101";

    Process natBackend;

    @Override
    String[] directorOptions() {
        return new String[] {"--metrics-listen", METRICS};
    }

    @AfterEach
    void stopNatBackend() throws Exception {
        if (natBackend != null) {
            natBackend.destroy();
            natBackend.waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void nodeExporterIpvsSeriesAndJvsSeriesCountRealNatAndDrTraffic() throws Exception {
        // NAT: the director's own address, proxied to an HTTP server in the director's namespace
        Path root = Files.createDirectories(dir.resolve("nat"));
        Files.writeString(root.resolve("index.html"), "NAT\n");
        natBackend = new ProcessBuilder(net.exec("d", "python3", "-m", "http.server", "9080", "--bind", "127.0.0.1"))
                .directory(root.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("nat.log").toFile()).start();
        director.ok("-A", "-t", DIRECTOR + ":8080", "-s", "rr");
        director.ok("-a", "-t", DIRECTOR + ":8080", "-r", "127.0.0.1:9080", "-m", "-w", "3");
        // DR: the VIP to both real servers
        director.ok("-A", "-t", Namespaces.VIP + ":80", "-s", "rr");
        director.ok("-a", "-t", Namespaces.VIP + ":80", "-r", Namespaces.RS1, "-g");
        director.ok("-a", "-t", Namespaces.VIP + ":80", "-r", Namespaces.RS2, "-g", "-w", "2");

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        String nat = "";
        while (!nat.equals("NAT") && System.nanoTime() < deadline) {
            nat = net.runIn("c", "curl", "-s", "-m", "5", "http://" + DIRECTOR + ":8080/").trim();
            if (!nat.equals("NAT")) Thread.sleep(100);
        }
        assertEquals("NAT", nat, "the NAT service answers:\n" + director.log());
        assertEquals("NAT", net.runIn("c", "curl", "-s", "-m", "5", "http://" + DIRECTOR + ":8080/").trim());
        assertEquals(List.of("RS2", "RS1", "RS2"), List.of(net.curl("/"), net.curl("/"), net.curl("/")), director.log());

        Scrape m = Scrape.parse(net.runIn("c", "curl", "-s", "-m", "5", "http://" + METRICS + "/metrics"));

        // node_exporter's names and types
        for (String total : List.of("node_ipvs_connections_total", "node_ipvs_incoming_packets_total",
                "node_ipvs_outgoing_packets_total", "node_ipvs_incoming_bytes_total", "node_ipvs_outgoing_bytes_total")) {
            assertEquals("counter", m.type(total), total + "\n" + m.text());
            assertEquals(1, m.named(total).size(), total);
            assertEquals(Map.of(), m.named(total).get(0).labels(), total + " has no labels");
        }
        for (String gauge : List.of("node_ipvs_backend_connections_active", "node_ipvs_backend_connections_inactive",
                "node_ipvs_backend_weight")) {
            assertEquals("gauge", m.type(gauge), gauge);
            assertEquals(3, m.named(gauge).size(), gauge + ": one per real server\n" + m.text());
        }
        assertEquals(5, m.named("node_ipvs_connections_total").get(0).value(), "2 NAT + 3 DR connections");
        assertTrue(m.named("node_ipvs_incoming_bytes_total").get(0).value() > 0);
        assertTrue(m.named("node_ipvs_outgoing_bytes_total").get(0).value() > 0, "the NAT replies pass the director");

        // the collector's labels, formatted as it formats /proc/net/ip_vs
        Map<String, String> natServer = Map.of("local_address", DIRECTOR, "local_port", "8080", "remote_address",
                "127.0.0.1", "remote_port", "9080", "proto", "TCP", "local_mark", "");
        Map<String, String> rs1 = Map.of("local_address", Namespaces.VIP, "local_port", "80", "remote_address",
                Namespaces.RS1, "remote_port", "80", "proto", "TCP", "local_mark", "");
        Map<String, String> rs2 = Map.of("local_address", Namespaces.VIP, "local_port", "80", "remote_address",
                Namespaces.RS2, "remote_port", "80", "proto", "TCP", "local_mark", "");
        assertEquals(3, value(m, "node_ipvs_backend_weight", natServer));
        assertEquals(1, value(m, "node_ipvs_backend_weight", rs1));
        assertEquals(2, value(m, "node_ipvs_backend_weight", rs2));
        // NAT connections end in TIME_WAIT (inactive); DR flows after FIN are inactive too
        assertEquals(2, value(m, "node_ipvs_backend_connections_active", natServer)
                + value(m, "node_ipvs_backend_connections_inactive", natServer), m.text());
        assertEquals(2, value(m, "node_ipvs_backend_connections_active", rs2)
                + value(m, "node_ipvs_backend_connections_inactive", rs2), m.text());

        // JVS's own: per real server totals, the packet path, the control socket
        assertEquals(2, value(m, "jvs_realserver_connections_total", natServer));
        assertEquals(1, value(m, "jvs_realserver_connections_total", rs1));
        assertEquals(2, value(m, "jvs_realserver_connections_total", rs2));
        assertEquals(0, value(m, "jvs_realserver_outgoing_bytes_total", rs1), "DR replies bypass the director");
        assertEquals(3, value(m, "jvs_service_connections_total", Map.of("local_address", Namespaces.VIP,
                "local_port", "80", "proto", "TCP", "local_mark", "")));
        assertTrue(value(m, "jvs_packet_frames_forwarded_total", Map.of()) >= 9, "3 DR connections, 3+ frames each");
        assertTrue(value(m, "jvs_packet_frames_received_total", Map.of())
                >= value(m, "jvs_packet_frames_forwarded_total", Map.of()));
        assertEquals(5, value(m, "jvs_control_commands_total", Map.of()), "the five ipvsadm calls");
        assertEquals(0, value(m, "jvs_control_command_errors_total", Map.of()));
        assertEquals(262144, value(m, "jvs_flow_table_limit", Map.of()));
        assertTrue(value(m, "jvs_flow_table_entries", Map.of()) >= 1, "the DR flows are still tracked");
        assertTrue(m.named("jvm_memory_used_bytes").size() > 0, "the JVM's own metrics");
    }

    private static double value(Scrape m, String name, Map<String, String> labels) {
        Scrape.Sample s = m.find(name, labels);
        assertNotNull(s, () -> name + labels + " missing from:\n" + m.text());
        return s.value();
    }
}

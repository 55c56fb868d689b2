package dev.jvs.director.metrics;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code --metrics-listen ADDR:PORT}: Prometheus metrics on {@code /metrics} (the official client's HTTP server),
 * the status page on {@code /} and {@code /status.json}. Everything is pulled from the director's components when
 * a request comes, on this server's own small thread pool, never on a data-path thread.
 */
public final class MetricsServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(MetricsServer.class);

    private final HTTPServer server;

    private MetricsServer(HTTPServer server) {
        this.server = server;
    }

    /** Registers the series and starts listening; fails (address in use, ...) before the director says ready. */
    public static MetricsServer start(InetSocketAddress listen, Sources sources) throws IOException {
        PrometheusRegistry registry = new PrometheusRegistry();
        IpvsMetrics.register(registry, sources.rules());
        JvsMetrics.register(registry, sources);
        JvmMetrics.builder().register(registry);
        ExecutorService threads = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "jvs-metrics");
            t.setDaemon(true);
            return t;
        });
        HTTPServer server = HTTPServer.builder()
                .inetAddress(listen.getAddress())
                .port(listen.getPort())
                .registry(registry)
                .executorService(threads)
                .defaultHandler(new StatusPage(sources))
                .buildAndStart();
        log.info("metrics on http://{}/metrics, status page on http://{}/", StatusModel.endpoint(listen.getAddress(),
                server.getPort()), StatusModel.endpoint(listen.getAddress(), server.getPort()));
        return new MetricsServer(server);
    }

    /** {@code ADDR:PORT} or {@code [IPv6]:PORT}, numeric addresses only (no DNS at start-up). */
    public static InetSocketAddress parseListen(String value) {
        int colon = value.lastIndexOf(':');
        String host = colon < 0 ? "" : value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        else if (host.indexOf(':') >= 0) host = ""; // an IPv6 address needs its brackets
        int port = -1;
        try {
            if (colon >= 0) port = Integer.parseInt(value.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (host.isEmpty() || port < 0 || port > 65535 || !(host.indexOf(':') >= 0 || host.matches("[0-9.]+"))) {
            throw new IllegalArgumentException("--metrics-listen " + value
                    + ": expected ADDR:PORT or [IPv6]:PORT with a numeric address, e.g. 127.0.0.1:9101");
        }
        try {
            return new InetSocketAddress(java.net.InetAddress.getByName(host), port);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException("--metrics-listen " + value + ": not an address");
        }
    }

    public int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        server.close();
    }
}

package dev.jvs.healthcheck.engine;

import dev.jvs.model.ServiceKey;

import java.net.InetSocketAddress;

/**
 * What the checkers last said about one real server of one virtual service.
 *
 * @param checkers        the checker types, comma-separated ({@code HTTP_GET,TCP_CHECK})
 * @param reason          the latest attempt's reason, free text (never a metric label: it is unbounded)
 * @param changedAtMillis wall-clock time of the last up/down transition (or of the start of checking)
 */
public record RealServerHealth(ServiceKey service, InetSocketAddress realServer, boolean alive, int weight,
                               String checkers, String reason, long changedAtMillis) {
}

package dev.jvs.director.nat;

import dev.jvs.model.ServiceKey;

import java.net.InetSocketAddress;

/**
 * How the NAT proxy connects to real servers: the connect timeout, whether a refused or timed-out connect is
 * retried once on another real server (so the client never sees it), and who hears about such failures
 * (passive health: the health checks look at that server at once).
 */
public record ConnectPolicy(int connectTimeoutMillis, boolean redispatch, ConnectFailureListener failures) {

    public static final int DEFAULT_CONNECT_TIMEOUT_MILLIS = 2_000;
    public static final ConnectPolicy DEFAULT =
            new ConnectPolicy(DEFAULT_CONNECT_TIMEOUT_MILLIS, true, (service, server, reason) -> { });

    /** Told on the connecting event loop; must not block. */
    @FunctionalInterface
    public interface ConnectFailureListener {
        void connectFailed(ServiceKey service, InetSocketAddress realServer, String reason);
    }
}

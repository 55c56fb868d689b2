package dev.jvs.healthcheck.config;

import dev.jvs.model.ServiceConfig;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A {@code virtual_server} block: one or more IPVS services (several for a {@code group}) sharing one set of
 * real servers and checkers.
 *
 * @param services        what ipvsadm -A would send for each service of the block
 * @param name            how logs name it, e.g. {@code [10.0.0.1]:tcp:80} or {@code group web}
 * @param quorum          already lowered to the sum of weights, as keepalived does
 * @param sorryServer     the fallback real server, if configured
 */
public record VirtualServerDef(String name, List<ServiceConfig> services, Duration delayLoop, int quorum,
                               int hysteresis, boolean alpha, boolean omega, boolean haSuspend,
                               Optional<RealServerDef> sorryServer, boolean sorryServerInhibit,
                               Optional<ScriptDef> quorumUp, Optional<ScriptDef> quorumDown,
                               List<RealServerDef> realServers, Location location) {

    public VirtualServerDef {
        services = List.copyOf(services);
        realServers = List.copyOf(realServers);
    }
}

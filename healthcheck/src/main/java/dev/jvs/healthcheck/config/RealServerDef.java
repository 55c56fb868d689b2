package dev.jvs.healthcheck.config;

import dev.jvs.model.RealServerConfig;

import java.util.List;
import java.util.Optional;

/**
 * A {@code real_server} block with its inherited values resolved.
 *
 * @param config the destination as ipvsadm would add it, at its configured weight
 * @param alpha  start down until a check succeeds
 */
public record RealServerDef(RealServerConfig config, boolean inhibitOnFailure, boolean alpha,
                            Optional<ScriptDef> notifyUp, Optional<ScriptDef> notifyDown,
                            List<CheckerDef> checkers, Location location) {

    public RealServerDef {
        checkers = List.copyOf(checkers);
    }

    public int weight() {
        return config.weight();
    }

    /** address:port as keepalived writes it in logs, e.g. {@code [10.0.0.2]:tcp:80}. */
    public String describe(String protocol) {
        return "[" + config.address().getHostAddress() + "]:" + protocol + ":" + config.port();
    }

    /** Equal when configured the same, wherever it was written. */
    @Override
    public boolean equals(Object o) {
        return o instanceof RealServerDef r && config.equals(r.config) && inhibitOnFailure == r.inhibitOnFailure
                && alpha == r.alpha && notifyUp.equals(r.notifyUp) && notifyDown.equals(r.notifyDown)
                && checkers.equals(r.checkers);
    }

    @Override
    public int hashCode() {
        return config.hashCode();
    }
}

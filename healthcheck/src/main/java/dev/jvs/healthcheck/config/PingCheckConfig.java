package dev.jvs.healthcheck.config;

import java.util.List;
import java.util.Optional;

/** PING_CHECK: an ICMP echo, nothing beyond the common settings. */
final class PingCheckConfig extends CheckerConfig {

    @Override
    boolean read(ConfigNode n, List<ConfigProblem> problems) {
        return false;
    }

    @Override
    Optional<CheckSpec> build(Context context) {
        return Optional.of(new CheckSpec.Ping());
    }
}

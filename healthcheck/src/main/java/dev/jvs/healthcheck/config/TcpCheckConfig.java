package dev.jvs.healthcheck.config;

import java.util.List;
import java.util.Optional;

/** TCP_CHECK: a connect, nothing beyond the common settings. */
final class TcpCheckConfig extends CheckerConfig {

    @Override
    boolean read(ConfigNode n, List<ConfigProblem> problems) {
        return false;
    }

    @Override
    Optional<CheckSpec> build(Context context) {
        return Optional.of(new CheckSpec.Tcp());
    }
}

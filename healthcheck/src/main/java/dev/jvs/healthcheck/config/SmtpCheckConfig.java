package dev.jvs.healthcheck.config;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static dev.jvs.healthcheck.config.ConfigValues.address;
import static dev.jvs.healthcheck.config.ConfigValues.port;
import static dev.jvs.healthcheck.config.ConfigValues.positiveTimer;
import static dev.jvs.healthcheck.config.ConfigValues.required;

/** SMTP_CHECK: {@code helo_name} and the deprecated {@code host} blocks. */
final class SmtpCheckConfig extends CheckerConfig {

    private static final Keywords<SmtpCheckConfig> KEYWORDS = new Keywords<SmtpCheckConfig>()
            .on("helo_name", (c, n, p) -> c.helo = required(n, 0))
            .on("host", (c, n, p) -> c.host(n, p));

    private String helo = CheckSpec.Smtp.DEFAULT_HELO;
    private final List<Connection> hosts = new ArrayList<>();

    /**
     * A (deprecated) {@code host { }} block: one more SMTP check of the same real server with its own
     * connection settings, as keepalived turns each host into its own checker.
     */
    private void host(ConfigNode block, List<ConfigProblem> problems) {
        Optional<InetAddress> ip = Optional.empty();
        Optional<Integer> port = Optional.empty();
        Optional<InetAddress> bindTo = Optional.empty();
        Optional<Duration> timeout = Optional.empty();
        for (ConfigNode n : block.children()) {
            try {
                switch (n.keyword()) {
                    case "connect_ip" -> ip = Optional.of(address(n, required(n, 0)));
                    case "connect_port" -> port = Optional.of(port(n, required(n, 0)));
                    case "bindto" -> bindTo = Optional.of(address(n, required(n, 0)));
                    case "connect_timeout" -> timeout = Optional.of(positiveTimer(n));
                    case "bind_port", "bind_if", "fwmark" ->
                            warning(problems, n, n.keyword() + " is accepted but not applied by JVS checkers");
                    default -> unknown(problems, n, "in SMTP_CHECK host");
                }
            } catch (ConfigException e) {
                problems.addAll(e.problems());
            }
        }
        problems.add(new ConfigProblem(ConfigProblem.Severity.NOTE, block.location(),
                "SMTP_CHECK host blocks are deprecated; this host is checked as its own SMTP_CHECK"));
        hosts.add(new Connection(ip, port, bindTo, timeout));
    }

    @Override
    List<Connection> extraConnections() {
        return hosts;
    }

    @Override
    boolean read(ConfigNode n, List<ConfigProblem> problems) throws ConfigException {
        return KEYWORDS.read(this, n, problems);
    }

    @Override
    Optional<CheckSpec> build(Context context) {
        return Optional.of(new CheckSpec.Smtp(helo));
    }
}

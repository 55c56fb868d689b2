package dev.jvs.director.health;

import dev.jvs.director.control.CommandExecutor;
import dev.jvs.director.vrrp.VrrpConfigParser;
import dev.jvs.healthcheck.PingCheck;
import dev.jvs.healthcheck.config.ConfigException;
import dev.jvs.healthcheck.config.ConfigProblem;
import dev.jvs.healthcheck.config.KeepalivedConfig;
import dev.jvs.healthcheck.engine.HealthEngine;
import dev.jvs.healthcheck.engine.NettyCheckerFactory;
import dev.jvs.model.IpvsadmException;
import dev.jvs.model.ServiceKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The director's side of {@code --keepalived-conf}: runs the health engine with the director's
 * one rule-change path ({@link CommandExecutor#apply(java.util.List)}), reloads on SIGHUP, and hears about
 * failed connects from the NAT proxy.
 */
public final class HealthChecks implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HealthChecks.class);

    /** keepalived -t exit statuses, as keepalived 2.2.7 returns them. */
    public static final int CONFIG_OK = 0;
    public static final int CONFIG_CANNOT_RUN = 3;
    public static final int CONFIG_CORRECTED = 5;
    public static final int CONFIG_SCRIPT_SECURITY = 6;

    private final KeepalivedConfig config;
    private final Path file;
    private final NettyCheckerFactory checkers;
    private final HealthEngine engine;

    /**
     * The checks of a config loaded without errors ({@link KeepalivedConfig#loadValid}), changing the table through
     * {@code executor}; nothing is checked or changed until {@link #start}, but failed connects may be reported
     * ({@link #connectFailed}) from now on.
     */
    public HealthChecks(KeepalivedConfig config, CommandExecutor executor) {
        this.config = config;
        this.file = config.file();
        this.checkers = new NettyCheckerFactory(Math.max(1, Runtime.getRuntime().availableProcessors() / 2));
        this.engine = new HealthEngine(executor::apply, checkers);
    }

    /** Builds the table of the config in one batch and starts every checker. */
    public void start() throws IpvsadmException {
        config.problems().forEach(p -> log.warn("{}", p));
        log.info("PING_CHECK uses {}", PingCheck.mechanism());
        engine.start(config);
        log.info("health checks started from {}", file.toAbsolutePath());
    }

    /** SIGHUP: re-read the file and apply only the difference; a broken file leaves everything as it is. */
    public void reload() {
        KeepalivedConfig config = KeepalivedConfig.load(file);
        if (config.hasErrors()) {
            config.problems().forEach(p -> log.error("{}", p));
            log.error("reload of {} refused: the configuration has errors; the running one is kept", file);
            return;
        }
        config.problems().forEach(p -> log.warn("{}", p));
        try {
            engine.reload(config);
        } catch (IpvsadmException | RuntimeException e) {
            log.error("reload of {} failed, the running configuration is kept: {}", file, e.getMessage());
        }
    }

    /** Passive health: the NAT proxy could not connect to this real server. */
    public void connectFailed(ServiceKey service, InetSocketAddress realServer, String reason) {
        engine.connectFailed(service, realServer, reason);
    }

    public HealthEngine engine() {
        return engine;
    }

    @Override
    public void close() {
        engine.close();
        checkers.close();
    }

    /**
     * {@code --config-test}: prints every message, as {@code keepalived -t} does, and returns keepalived's exit
     * status: 0 clean, 5 when it only needed corrections (warnings), 6 when scripts run without
     * enable_script_security, and 3 when JVS would refuse to run it (errors or an unreadable file). The VRRP
     * part is checked too when the file has a {@code vrrp_instance}, as the director would then run it.
     */
    public static int configTest(Path file, PrintStream out) {
        return configTest(file, out, VrrpConfigParser::hostHasInterface);
    }

    /** As {@link #configTest(Path, PrintStream)}, judging interface names with {@code interfaceExists}. */
    public static int configTest(Path file, PrintStream out, java.util.function.Predicate<String> interfaceExists) {
        if (!Files.isReadable(file)) {
            out.println(file + ": cannot read the configuration file");
            return CONFIG_CANNOT_RUN;
        }
        KeepalivedConfig config = KeepalivedConfig.load(file);
        List<ConfigProblem> problems = new ArrayList<>(config.problems());
        try {
            VrrpConfigParser.parse(config, interfaceExists).ifPresent(vrrp -> problems.addAll(vrrp.warnings()));
        } catch (ConfigException e) {
            problems.addAll(e.problems());
        }
        for (ConfigProblem p : problems) out.println(p);
        if (problems.stream().anyMatch(ConfigProblem::isError)) return CONFIG_CANNOT_RUN;
        if (config.scriptSecurityViolation()) {
            out.println("SECURITY VIOLATION - check scripts are being executed but script_security not enabled.");
            return CONFIG_SCRIPT_SECURITY;
        }
        return problems.stream().allMatch(ConfigProblem::isNote) ? CONFIG_OK : CONFIG_CORRECTED;
    }
}

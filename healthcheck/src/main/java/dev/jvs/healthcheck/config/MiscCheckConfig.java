package dev.jvs.healthcheck.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static dev.jvs.healthcheck.config.ConfigValues.bool;
import static dev.jvs.healthcheck.config.ConfigValues.positiveTimer;
import static dev.jvs.healthcheck.config.ConfigValues.required;
import static dev.jvs.healthcheck.config.ConfigValues.script;

/** MISC_CHECK: a script whose exit status is the verdict ({@code misc_path}, {@code misc_timeout}, ...). */
final class MiscCheckConfig extends CheckerConfig {

    private static final Keywords<MiscCheckConfig> KEYWORDS = new Keywords<MiscCheckConfig>()
            .on("misc_path", (c, n, p) -> c.script = script(n))
            .on("misc_timeout", (c, n, p) -> c.timeout = positiveTimer(n))
            .on("misc_dynamic", (c, n, p) -> c.dynamic = bool(n, true))
            .on("user", (c, n, p) -> {
                // USER GROUP, or USER:GROUP
                String u = required(n, 0);
                int colon = u.indexOf(':');
                c.user = Optional.of(colon < 0 ? u : u.substring(0, colon));
                c.group = colon >= 0 ? Optional.of(u.substring(colon + 1)) : n.arg(1);
            });

    private ScriptDef script;
    private Duration timeout;
    private boolean dynamic;
    private Optional<String> user = Optional.empty();
    private Optional<String> group = Optional.empty();

    @Override
    boolean read(ConfigNode n, List<ConfigProblem> problems) throws ConfigException {
        return KEYWORDS.read(this, n, problems);
    }

    @Override
    Optional<CheckSpec> build(Context context) {
        if (script == null) {
            error(context.problems(), context.node(), "MISC_CHECK has no misc_path; checker removed");
            return Optional.empty();
        }
        if (!ConfigValues.runnable(script.command())) {
            context.problems().add(new ConfigProblem(ConfigProblem.Severity.NOTE, script.location(),
                    "MISC_CHECK script " + script.command().get(0)
                            + " not found or not executable; checker disabled, as keepalived does"));
            return Optional.empty();
        }
        ScriptDef withUser = new ScriptDef(script.command(), user, group, script.location());
        return Optional.of(new CheckSpec.Misc(withUser, timeout == null ? context.vsDelayLoop() : timeout, dynamic));
    }

    @Override
    Set<String> refusedCommonKeywords() {
        return Set.of("connect_ip", "connect_port", "bindto", "bind_port", "bind_if", "fwmark", "connect_timeout");
    }

    @Override
    int defaultRetry() {
        return 0;
    }
}

package dev.jvs.healthcheck.config;

import java.util.Optional;

/**
 * The parts of {@code global_defs} the checker side uses.
 *
 * @param scriptUser             {@code script_user}: default identity of every script
 * @param enableScriptSecurity   refuse scripts that a non-root user could change
 * @param checkerLogAllFailures  log every failed attempt, not only transitions
 */
public record GlobalSettings(Optional<String> routerId, Optional<String> scriptUser, Optional<String> scriptGroup,
                             boolean enableScriptSecurity, boolean checkerLogAllFailures) {

    public static final GlobalSettings DEFAULTS =
            new GlobalSettings(Optional.empty(), Optional.empty(), Optional.empty(), false, false);
}

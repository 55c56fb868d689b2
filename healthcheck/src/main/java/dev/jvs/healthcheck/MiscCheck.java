package dev.jvs.healthcheck;

import dev.jvs.healthcheck.config.CheckSpec;
import dev.jvs.healthcheck.script.ScriptRunner;

import java.util.concurrent.CompletableFuture;

/**
 * keepalived's MISC_CHECK: runs a script. Exit 0 is up (and clears a dynamic weight), 1 is down; with
 * misc_dynamic, 2..255 is up with weight {@code status − 2}; without it, down. A script killed at misc_timeout
 * is down.
 */
public final class MiscCheck implements Checker {

    private final CheckSpec.Misc spec;
    private final ScriptRunner scripts;
    private final int configuredWeight;

    public MiscCheck(CheckSpec.Misc spec, ScriptRunner scripts, int configuredWeight) {
        this.spec = spec;
        this.scripts = scripts;
        this.configuredWeight = configuredWeight;
    }

    @Override
    public CompletableFuture<CheckResult> check() {
        String script = spec.script().text();
        return scripts.run(spec.script(), spec.timeout()).thenApply(outcome -> {
            if (outcome.timedOut()) return CheckResult.down("misc check " + script + " timed out after "
                    + TcpCheck.format(spec.timeout()));
            if (outcome.killed()) return CheckResult.down("misc check " + script + " was killed or could not run");
            int status = outcome.exitStatus();
            if (status == 0) return CheckResult.upWithWeight("misc check " + script + " succeeded", configuredWeight);
            if (status >= 2 && spec.dynamic()) {
                return CheckResult.upWithWeight("misc check " + script + " exited with status " + status
                        + " (weight " + (status - 2) + ")", status - 2);
            }
            return CheckResult.down("misc check " + script + " exited with status " + status);
        });
    }
}

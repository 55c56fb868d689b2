package dev.jvs.healthcheck.engine;

import dev.jvs.healthcheck.Checker;
import dev.jvs.healthcheck.config.CheckerDef;
import dev.jvs.healthcheck.config.RealServerDef;
import dev.jvs.healthcheck.script.ScriptRunner;

/** Makes the checker for one checker block; the engine does the timing, so a checker only runs one attempt. */
@FunctionalInterface
public interface CheckerFactory {
    Checker create(CheckerDef def, RealServerDef server, ScriptRunner scripts);
}

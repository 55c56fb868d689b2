package dev.jvs.director.vrrp;

import dev.jvs.healthcheck.config.ConfigValues;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs one {@code vrrp_script} every interval and turns exit statuses into an OK/failed state with
 * rise/fall hysteresis. Exit 0 is success; anything else, a signal or a timeout is failure.
 */
final class TrackedScriptRunner {

    private static final Logger log = LoggerFactory.getLogger(TrackedScriptRunner.class);

    /** null until the first result (unless init_fail), then true/false. */
    private volatile Boolean ok;
    private int successes;
    private int failures;
    private final VrrpScriptConfig config;
    private final Runnable onChange;

    TrackedScriptRunner(VrrpScriptConfig config, Runnable onChange) {
        this.config = config;
        this.onChange = onChange;
        if (config.initFail()) ok = false;
    }

    Boolean ok() { return ok; }

    VrrpScriptConfig config() { return config; }

    void start(ScheduledExecutorService scheduler) {
        scheduler.scheduleWithFixedDelay(this::runOnce, 0, config.intervalMillis(), TimeUnit.MILLISECONDS);
    }

    void runOnce() {
        boolean success;
        try {
            Process p = new ProcessBuilder(ConfigValues.argv(config.script())).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.to(new File("/dev/null"))).start();
            if (!p.waitFor(config.timeoutMillis(), TimeUnit.MILLISECONDS)) {
                p.destroy();
                if (!p.waitFor(2, TimeUnit.SECONDS)) p.destroyForcibly(); // SIGTERM, then SIGKILL 2 s later
                success = false;
            } else {
                success = p.exitValue() == 0;
            }
        } catch (java.io.IOException e) {
            success = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        record(success);
    }

    /** Applies rise/fall; the very first result decides the initial state on its own. */
    void record(boolean success) {
        Boolean before = ok;
        if (success) { successes++; failures = 0; } else { failures++; successes = 0; }
        if (before == null) ok = success;
        else if (!before && successes >= config.rise()) ok = true;
        else if (before && failures >= config.fall()) ok = false;
        if (before != ok) {
            log.info("VRRP_Script({}) {}", config.name(), ok ? "succeeded" : "failed");
            onChange.run();
        }
    }
}

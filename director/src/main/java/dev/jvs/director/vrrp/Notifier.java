package dev.jvs.director.vrrp;

import dev.jvs.healthcheck.config.ConfigValues;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Runs notify scripts in the background, one at a time and in order, so a slow script never
 * delays adverts and MASTER/BACKUP notifications cannot overtake each other.
 */
public final class Notifier implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Notifier.class);

    private final ExecutorService runner = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "vrrp-notify");
        t.setDaemon(true);
        return t;
    });

    /** Runs {@code scriptLine} with {@code extraArgs} appended; null lines are skipped. */
    public void run(String scriptLine, String... extraArgs) {
        if (scriptLine == null || scriptLine.isBlank()) return;
        List<String> argv = new ArrayList<>(ConfigValues.argv(scriptLine));
        argv.addAll(List.of(extraArgs));
        runner.execute(() -> {
            try {
                Process p = new ProcessBuilder(argv).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.to(new File("/dev/null"))).start();
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    log.warn("notify script {} timed out", argv);
                } else if (p.exitValue() != 0) {
                    log.warn("notify script {} exited with status {}", argv, p.exitValue());
                }
            } catch (IOException e) {
                log.warn("cannot run notify script {}: {}", argv, e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /** Lets queued notifications (e.g. STOP at shutdown) finish, within a bound. */
    @Override
    public void close() {
        runner.shutdown();
        try {
            runner.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package dev.jvs.director.conn;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The director's periodic work that must not run on a data-path event loop: the connection table's expiry
 * sweep (it walks every bucket under the stripe locks), the rate estimator and the trash reclaim (which takes
 * the rule table's write lock). One daemon thread; a task that throws is logged and runs again next period.
 */
public final class Housekeeping implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Housekeeping.class);

    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "jvs-housekeeping");
        t.setDaemon(true);
        return t;
    });

    /** Runs {@code task} every {@code period}, the first time after one period. */
    public void every(long period, TimeUnit unit, String name, Runnable task) {
        thread.scheduleAtFixedRate(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.error("{} failed: {}", name, e.toString(), e);
            }
        }, period, period, unit);
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

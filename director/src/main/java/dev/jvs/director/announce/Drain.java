package dev.jvs.director.announce;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * Graceful drain on SIGTERM: withdraw every VIP first, so the routers send new flows to the other directors, keep
 * forwarding what still arrives for {@code --drain-delay} seconds, and only then stop.
 */
public final class Drain {

    private static final Logger log = LoggerFactory.getLogger(Drain.class);

    private Drain() {}

    public static void run(VipAnnouncer announcer, int delaySeconds, Runnable stop) {
        log.info("draining: withdrawing every VIP, still forwarding for {} s", delaySeconds);
        announcer.drain();
        try {
            TimeUnit.SECONDS.sleep(delaySeconds);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.info("drained");
        stop.run();
    }
}

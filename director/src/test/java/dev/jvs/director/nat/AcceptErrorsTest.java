package dev.jvs.director.nat;

import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A listener's failed accepts: counted, paused after, never passed on to Netty's logging, reported in few lines. */
class AcceptErrorsTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private final List<String> lines = new ArrayList<>();
    private final AcceptErrors errors = new AcceptErrors(lines::add, Duration.ofSeconds(10), () -> true);

    @Test
    void aFailedAcceptPausesTheListenerForASecondAndNeverClosesIt() {
        EmbeddedChannel listener = new EmbeddedChannel(errors);
        listener.pipeline().fireExceptionCaught(new IOException("accept(..) failed: Too many open files"));

        listener.checkException(); // nothing reached the pipeline's tail, where Netty would log it
        assertTrue(listener.isOpen(), "the listener stays open");
        assertFalse(listener.config().isAutoRead(), "accepting pauses");
        assertEquals(1, errors.count());

        listener.advanceTimeBy(AcceptErrors.PAUSE_MILLIS - 1, TimeUnit.MILLISECONDS);
        listener.runScheduledPendingTasks();
        assertFalse(listener.config().isAutoRead(), "still paused just before the second is over");
        listener.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        listener.runScheduledPendingTasks();
        assertTrue(listener.config().isAutoRead(), "accepting again after a second");
        listener.finishAndReleaseAll();
    }

    @Test
    void aStormOfFailuresIsLoggedAtOnceThenAtMostOnceAnInterval() {
        EmbeddedChannel listener = new EmbeddedChannel(errors);
        for (int i = 0; i < 1000; i++) {
            listener.pipeline().fireExceptionCaught(new IOException("accept(..) failed: Too many open files"));
        }
        long t0 = 5 * SECOND;
        errors.report(t0);
        assertEquals(1, lines.size(), "the first failures are reported at once");
        assertTrue(lines.get(0).startsWith("1000 failed accepts on NAT listeners (1000 since start)"), lines.get(0));
        assertTrue(lines.get(0).contains("Too many open files"), lines.get(0));

        for (int i = 0; i < 500; i++) {
            listener.pipeline().fireExceptionCaught(new IOException("accept(..) failed: Too many open files"));
        }
        for (long t = t0 + SECOND; t < t0 + 10 * SECOND; t += SECOND) errors.report(t);
        assertEquals(1, lines.size(), "nothing more within the interval");
        errors.report(t0 + 10 * SECOND);
        assertEquals(2, lines.size());
        assertTrue(lines.get(1).startsWith("500 failed accepts on NAT listeners in the last 10 s (1500 since start)"),
                lines.get(1));
        errors.report(t0 + 30 * SECOND);
        assertEquals(2, lines.size(), "no failures, no line");
        assertEquals(1500, errors.count());
        listener.finishAndReleaseAll();
    }
}

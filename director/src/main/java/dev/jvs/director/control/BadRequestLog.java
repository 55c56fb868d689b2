package dev.jvs.director.control;

import io.netty.util.concurrent.EventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Logs bad control requests without letting a flood of them flood the log: the first one at once, then at most
 * one line per interval with how many there were and the last reason. Used only on its event loop.
 */
final class BadRequestLog {

    private static final Logger log = LoggerFactory.getLogger(ControlServer.class);

    /** Where the lines go: the WARN log. */
    static final java.util.function.Consumer<String> WARN = log::warn;

    private final EventExecutor loop;
    private final java.util.function.Consumer<String> sink;
    private final long intervalNanos;
    private long lastLogged = Long.MIN_VALUE;
    private int suppressed;
    private String lastReason;

    BadRequestLog(EventExecutor loop, Duration interval, java.util.function.Consumer<String> sink) {
        this.loop = loop;
        this.sink = sink;
        this.intervalNanos = interval.toNanos();
    }

    void report(String reason) {
        if (!loop.inEventLoop()) {
            loop.execute(() -> report(reason));
            return;
        }
        long now = System.nanoTime();
        if (suppressed == 0 && (lastLogged == Long.MIN_VALUE || now - lastLogged >= intervalNanos)) {
            lastLogged = now;
            sink.accept("bad control request: " + reason);
            return;
        }
        // Counted; the one pending flush writes the line, so lines stay at least an interval apart.
        lastReason = reason;
        if (suppressed++ == 0) {
            loop.schedule(this::flush, Math.max(0, lastLogged + intervalNanos - now), TimeUnit.NANOSECONDS);
        }
    }

    private void flush() {
        if (suppressed == 0) return;
        sink.accept(suppressed + " more bad control requests in the last "
                + TimeUnit.NANOSECONDS.toMillis(intervalNanos) / 1000.0 + " s (the last: " + lastReason + ")");
        suppressed = 0;
        lastLogged = System.nanoTime();
    }
}

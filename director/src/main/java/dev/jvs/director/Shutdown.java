package dev.jvs.director;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What start-up opened, closed in reverse order: each step registers what it starts right after starting it, so
 * a failed start-up closes exactly what was opened, and a normal stop undoes the steps last to first.
 */
final class Shutdown implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Shutdown.class);

    private final Deque<AutoCloseable> opened = new ArrayDeque<>();

    void onClose(AutoCloseable resource) {
        opened.push(resource);
    }

    /** Closes everything registered, newest first; a failure is logged and the rest still closed. */
    @Override
    public void close() {
        while (!opened.isEmpty()) {
            AutoCloseable resource = opened.pop();
            try {
                resource.close();
            } catch (Exception e) {
                log.warn("stopping {}: {}", resource, e.toString());
            }
        }
    }
}

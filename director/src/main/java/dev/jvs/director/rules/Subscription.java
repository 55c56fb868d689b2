package dev.jvs.director.rules;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * One listener's delivery thread: it hands the listener the table it was subscribed with, then each newer table
 * in publication order. The writer only leaves the newest table here and goes on, so a slow listener never holds
 * up a batch; tables published while the listener is busy are coalesced into the newest one.
 */
public final class Subscription implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Subscription.class);

    private final RuleListener listener;
    private final Thread thread;
    private final boolean dataPath;
    // guarded by this
    private List<VirtualService> pending;
    private long offered;
    private long delivered;
    private boolean closed;

    Subscription(String name, RuleListener listener, List<VirtualService> current, long version, boolean dataPath) {
        this.listener = listener;
        this.dataPath = dataPath;
        this.pending = current;
        this.offered = version;
        this.delivered = version - 1;
        this.thread = new Thread(this::run, "jvs-rules-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    /** True for a data path, which {@code ipvsadm} waits for (see {@link RuleTable#awaitDataPaths}). */
    boolean dataPath() {
        return dataPath;
    }

    /** The listener's {@link RuleListener#problem} with service {@code key}, or null. */
    String problem(dev.jvs.model.ServiceKey key) {
        return listener.problem(key);
    }

    /** Called by the writer, in publication order. */
    synchronized void offer(List<VirtualService> services, long version) {
        pending = services;
        offered = version;
        notifyAll();
    }

    /**
     * Waits until the listener has finished with table {@code version} (or a newer one), at most
     * {@code timeoutMillis}; true if it has.
     */
    synchronized boolean awaitDelivered(long version, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (delivered < version && !closed) {
            long left = deadline - System.nanoTime();
            if (left <= 0) return false;
            wait(Math.max(1, left / 1_000_000L));
        }
        return delivered >= version;
    }

    private void run() {
        while (true) {
            List<VirtualService> next;
            long version;
            synchronized (this) {
                while (pending == null && !closed) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        closed = true;
                    }
                }
                if (closed) return;
                next = pending;
                version = offered;
                pending = null;
            }
            try {
                listener.rulesChanged(next);
            } catch (RuntimeException e) {
                log.error("{} failed on a rule change", thread.getName(), e);
            }
            synchronized (this) {
                delivered = version;
                notifyAll();
            }
        }
    }

    /** Stops delivering; a delivery in progress finishes first. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        if (Thread.currentThread() != thread) {
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

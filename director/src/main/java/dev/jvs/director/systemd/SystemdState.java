package dev.jvs.director.systemd;

import dev.jvs.os.SystemdNotify;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/**
 * Tells systemd ({@code Type=notify}) where the director is: READY once it serves, RELOADING/READY around a SIGHUP
 * reload, STOPPING on the way out. Outside systemd it does nothing; a failed send is logged, never fatal.
 */
public final class SystemdState {

    private static final Logger log = LoggerFactory.getLogger(SystemdState.class);

    private final SystemdNotify notify;

    public SystemdState(SystemdNotify notify) {
        this.notify = notify;
    }

    public static SystemdState fromEnvironment() {
        return new SystemdState(SystemdNotify.fromEnvironment());
    }

    public void ready() {
        send(notify::ready, "READY");
    }

    /** A takeover successor: systemd's main process from now on. */
    public void mainPid() {
        send(notify::mainPid, "MAINPID");
    }

    public void stopping() {
        send(notify::stopping, "STOPPING");
    }

    /** Runs {@code reload} between RELOADING=1 and READY=1. */
    public void reload(Runnable reload) {
        send(notify::reloading, "RELOADING");
        try {
            reload.run();
        } finally {
            send(notify::reloaded, "READY");
        }
    }

    private interface Send {
        void run() throws IOException;
    }

    private static void send(Send send, String what) {
        try {
            send.run();
        } catch (IOException | RuntimeException | LinkageError e) {
            log.warn("cannot tell systemd {}: {}", what, e.getMessage());
        }
    }
}

package dev.jvs.director.sync;

import dev.jvs.model.IpvsadmException;
import dev.jvs.model.SyncDaemonConfig;

/** Starts and stops sync daemons, as {@code ipvsadm --start-daemon} / {@code --stop-daemon} do. */
public interface SyncDaemonControl {

    void start(SyncDaemonConfig daemon) throws IpvsadmException;

    void stop(SyncDaemonConfig daemon) throws IpvsadmException;
}

package dev.jvs.director.vrrp;

import dev.jvs.director.sync.SyncDaemonControl;
import dev.jvs.director.vrrp.VrrpStateMachine.State;
import dev.jvs.model.IpvsadmException;
import dev.jvs.model.SyncDaemonConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the {@code lvs_sync_daemon} in the role its VRRP instance's state calls for, as keepalived does with IPVS:
 * MASTER runs the master sync daemon (the backup one stops first), BACKUP and FAULT run the backup daemon, STOP
 * runs neither. So the director holding the VIP announces its connections and the others install them.
 */
public final class LvsSyncDaemonRole {

    private static final Logger log = LoggerFactory.getLogger(LvsSyncDaemonRole.class);
    private static final String MASTER = "master";
    private static final String BACKUP = "backup";

    private final LvsSyncDaemonConfig config;
    private final int virtualRouterId;
    private final SyncDaemonControl daemons;
    private SyncDaemonConfig running; // called on the VRRP event thread only

    /** @param virtualRouterId the instance's VRID, the sync id when the config gives none (0 without instance) */
    public LvsSyncDaemonRole(LvsSyncDaemonConfig config, int virtualRouterId, SyncDaemonControl daemons) {
        this.config = config;
        this.virtualRouterId = virtualRouterId;
        this.daemons = daemons;
    }

    /** Wires the role to the instance named in the config, or, without one, runs the backup daemon now. */
    public static LvsSyncDaemonRole follow(VrrpService vrrp, VrrpConfig vrrpConfig, SyncDaemonControl daemons) {
        LvsSyncDaemonConfig config = vrrpConfig.globals().lvsSyncDaemon();
        if (config.instance() == null) {
            LvsSyncDaemonRole role = new LvsSyncDaemonRole(config, 0, daemons);
            role.stateChanged(State.BACKUP);
            return role;
        }
        int vrid = vrrpConfig.instances().stream().filter(i -> i.name().equals(config.instance())).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no vrrp_instance named " + config.instance()))
                .virtualRouterId();
        LvsSyncDaemonRole role = new LvsSyncDaemonRole(config, vrid, daemons);
        vrrp.onStateChange(config.instance(), role::stateChanged);
        return role;
    }

    public void stateChanged(State state) {
        switch (state) {
            case MASTER -> runAs(MASTER);
            case BACKUP, FAULT -> runAs(BACKUP);
            case STOP -> stopRunning();
            case INIT -> { }
        }
    }

    private void runAs(String role) {
        if (running != null && running.state().equals(role)) return;
        stopRunning();
        SyncDaemonConfig daemon = config.daemon(role, virtualRouterId);
        try {
            daemons.start(daemon);
            running = daemon;
        } catch (IpvsadmException e) {
            log.error("lvs_sync_daemon: cannot start the {} sync daemon on {}: {}", role, config.interfaceName(),
                    e.getMessage());
        }
    }

    private void stopRunning() {
        if (running == null) return;
        try {
            daemons.stop(running);
        } catch (IpvsadmException e) {
            log.warn("lvs_sync_daemon: stopping the {} sync daemon: {}", running.state(), e.getMessage());
        }
        running = null;
    }
}

package dev.jvs.director.vrrp;

import dev.jvs.healthcheck.config.Location;
import dev.jvs.model.SyncDaemonConfig;

/**
 * {@code global_defs lvs_sync_daemon INTERFACE [[inst] INSTANCE] [id N] [maxlen N] [port N] [ttl N] [group ADDR]}:
 * the connection-sync daemon keepalived runs for IPVS. Zero or null fields were not given (the daemon's defaults
 * apply).
 *
 * @param instance the VRRP instance whose state picks the role (MASTER: sync master, otherwise backup), or null
 *                 for a backup daemon whatever happens
 * @param syncId   the {@code id}, or -1 when not given: the instance's virtual router id (0 without an instance)
 * @param location where it was written, for messages
 */
public record LvsSyncDaemonConfig(String interfaceName, String instance, int syncId, int maxLen, int port, int ttl,
                                  String group, Location location) {

    /** The daemon's settings in {@code role} ("master" or "backup") for an instance with {@code virtualRouterId}. */
    public SyncDaemonConfig daemon(String role, int virtualRouterId) {
        return new SyncDaemonConfig(role, interfaceName, syncId >= 0 ? syncId : virtualRouterId, maxLen, group, port,
                ttl);
    }
}

package dev.jvs.director.vrrp;

import java.net.InetAddress;

/**
 * The VRRP-related {@code global_defs} keywords, with keepalived's defaults.
 *
 * @param lvsSyncDaemon {@code lvs_sync_daemon}, or null when there is none
 */
public record VrrpGlobals(String routerId, InetAddress mcastGroup4, InetAddress mcastGroup6, int version,
                          long garpMasterDelayMillis, int garpMasterRepeat, long garpMasterRefreshMillis,
                          int garpMasterRefreshRepeat, int garpLowerPrioRepeat, boolean lowerPrioNoAdvert,
                          boolean checkUnicastSrc, boolean v3ChecksumAsV2, boolean strict,
                          LvsSyncDaemonConfig lvsSyncDaemon) {

    public static VrrpGlobals defaults() {
        try {
            return new VrrpGlobals(null, InetAddress.getByName("224.0.0.18"), InetAddress.getByName("ff02::12"), 2,
                    5000, 5, 0, 1, -1, false, false, false, false, null);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}

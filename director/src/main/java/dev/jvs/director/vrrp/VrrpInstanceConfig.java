package dev.jvs.director.vrrp;

import dev.jvs.director.vrrp.VrrpPacket.AuthType;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;

/**
 * A {@code vrrp_instance}, every value already defaulted as keepalived does
 * ({@link VrrpConfigParser} applies the defaults).
 *
 * @param wantsMaster        {@code state MASTER} (explicit, or implied by priority 255)
 * @param advertIntervalCentis v2: whole seconds × 100; v3: 1..4095
 * @param authPass           v2 PASS password (≤ 8 characters), or null
 * @param multicastGroup     the group adverts go to (vrrp_mcast_group4/6 or mcast_dst_ip)
 * @param unicastSource      {@code unicast_src_ip}/{@code mcast_src_ip}, or null for the interface's primary address
 */
public record VrrpInstanceConfig(
        String name, boolean wantsMaster, String interfaceName, int virtualRouterId, int priority,
        int advertIntervalCentis, int version, AuthType authType, String authPass,
        List<VirtualIpAddress> virtualIpAddresses, List<VirtualIpAddress> excludedVirtualIpAddresses,
        boolean nopreempt, long preemptDelayMillis,
        List<TrackedInterface> trackInterfaces, List<TrackedScript> trackScripts,
        String notifyMaster, String notifyBackup, String notifyFault, String notifyStop, String notifyAny,
        InetAddress unicastSource, List<InetAddress> unicastPeers, InetAddress multicastGroup,
        long garpMasterDelayMillis, int garpMasterRepeat, long garpMasterRefreshMillis, int garpMasterRefreshRepeat,
        int garpLowerPrioRepeat, int downTimerAdverts, boolean lowerPrioNoAdvert, boolean dontTrackPrimary,
        boolean checkUnicastSrc, boolean v3ChecksumAsV2) {

    public VrrpInstanceConfig {
        virtualIpAddresses = List.copyOf(virtualIpAddresses);
        excludedVirtualIpAddresses = List.copyOf(excludedVirtualIpAddresses);
        trackInterfaces = List.copyOf(trackInterfaces);
        trackScripts = List.copyOf(trackScripts);
        unicastPeers = List.copyOf(unicastPeers);
    }

    public boolean unicast() {
        return !unicastPeers.isEmpty();
    }

    public boolean ipv6() {
        return !virtualIpAddresses.isEmpty() && virtualIpAddresses.get(0).address() instanceof Inet6Address;
    }
}

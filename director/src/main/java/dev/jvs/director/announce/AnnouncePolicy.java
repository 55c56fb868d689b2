package dev.jvs.director.announce;

import dev.jvs.director.rules.Dest;
import dev.jvs.director.rules.VirtualService;

import java.net.InetAddress;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Which VIPs a director should announce to its routers: a VIP is announced while at least one service on it has
 * its data path running here and at least {@code quorum} real servers that can take new flows (weight above 0;
 * a failed health check removes a server or sets its weight to 0), and never while the director drains.
 */
public final class AnnouncePolicy {

    private AnnouncePolicy() {}

    /**
     * @param running whether the service's data path (NAT listener or packet path) runs on this director
     * @param quorum  real servers a service needs to be worth announcing (at least 1)
     */
    public static Set<InetAddress> wanted(List<VirtualService> services, Predicate<VirtualService> running,
                                          int quorum, boolean draining) {
        Set<InetAddress> vips = new LinkedHashSet<>();
        if (draining) return vips;
        for (VirtualService service : services) {
            if (service.key().isFwmark() || vips.contains(service.key().address())) continue;
            if (available(service) >= quorum && running.test(service)) vips.add(service.key().address());
        }
        return vips;
    }

    static int available(VirtualService service) {
        int n = 0;
        for (Dest d : service.dests()) {
            if (d.available() && d.weight() > 0) n++;
        }
        return n;
    }
}

package dev.jvs.director.packet;

import dev.jvs.director.net.AddressWords;
import dev.jvs.director.rules.VirtualService;
import dev.jvs.model.Protocol;
import dev.jvs.model.ServiceKey;

import java.util.List;

/**
 * The virtual services the packet path forwards, searchable by (family, address, protocol, port) without
 * allocating. Immutable; rebuilt on every rule change. A linear scan: directors carry few services, and the
 * flow table answers every packet after a flow's first.
 */
final class ServiceIndex {

    static final ServiceIndex EMPTY = new ServiceIndex(List.of());

    private final long[] high;
    private final long[] low;
    private final int[] protoPort; // protocol << 17 | ipv6 << 16 | port
    private final VirtualService[] services;

    ServiceIndex(List<VirtualService> forwarded) {
        int n = forwarded.size();
        high = new long[n];
        low = new long[n];
        protoPort = new int[n];
        services = new VirtualService[n];
        for (int i = 0; i < n; i++) {
            VirtualService vs = forwarded.get(i);
            ServiceKey key = vs.key();
            high[i] = AddressWords.high(key.address());
            low[i] = AddressWords.low(key.address());
            protoPort[i] = (ipProtocol(key.protocol()) << 17) | ((key.ipv6() ? 1 : 0) << 16) | key.port();
            services[i] = vs;
        }
    }

    static int ipProtocol(Protocol protocol) {
        return switch (protocol) {
            case TCP -> 6;
            case UDP -> 17;
            case SCTP -> 132;
        };
    }

    int size() {
        return services.length;
    }

    /** True if some forwarded service lives on this address (any protocol or port). */
    boolean isVirtualAddress(long addressHigh, long addressLow, boolean ipv6) {
        for (int i = 0; i < services.length; i++) {
            if (low[i] == addressLow && high[i] == addressHigh && ((protoPort[i] >>> 16) & 1) == (ipv6 ? 1 : 0)) {
                return true;
            }
        }
        return false;
    }

    /** The service for this destination; a port-0 service takes every port of its address. */
    VirtualService find(long addressHigh, long addressLow, boolean ipv6, int protocol, int port) {
        int exact = (protocol << 17) | ((ipv6 ? 1 : 0) << 16) | port;
        int anyPort = (protocol << 17) | ((ipv6 ? 1 : 0) << 16);
        VirtualService portZero = null;
        for (int i = 0; i < services.length; i++) {
            if (low[i] != addressLow || high[i] != addressHigh) continue;
            if (protoPort[i] == exact) return services[i];
            if (protoPort[i] == anyPort) portZero = services[i];
        }
        return portZero;
    }
}

package dev.jvs.director.packet;

import dev.jvs.director.rules.Dest;
import dev.jvs.os.PacketPort;

import java.util.IdentityHashMap;
import java.util.Map;

/** What the packet thread needs from the rules, published as a whole after every rule change. */
final class ForwardingPlan {

    static final ForwardingPlan EMPTY = new ForwardingPlan(ServiceIndex.EMPTY, new IdentityHashMap<>(),
            new PacketPort[0]);

    final ServiceIndex services;
    final Map<Dest, Egress> egress; // never modified after publication (identity lookups only)
    final Egress[] allEgress;
    final PacketPort[] ports;

    ForwardingPlan(ServiceIndex services, IdentityHashMap<Dest, Egress> egress, PacketPort[] ports) {
        this.services = services;
        this.egress = egress;
        this.allEgress = egress.values().toArray(new Egress[0]);
        this.ports = ports;
    }
}

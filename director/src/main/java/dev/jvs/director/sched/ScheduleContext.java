package dev.jvs.director.sched;

import dev.jvs.director.rules.Dest;
import dev.jvs.director.rules.DestArray;

import java.net.InetAddress;
import java.util.List;

/**
 * What a scheduler sees for one new connection. Each service owns one instance and refills it under its lock
 * for every decision, so scheduling allocates nothing; a scheduler must not keep a reference past the call.
 */
public final class ScheduleContext {

    private List<Dest> dests = List.of();
    private DestArray array;
    private InetAddress clientAddress;
    private int clientPort;
    private InetAddress destinationAddress;
    private int serviceFlags;

    /**
     * @param dests              the service's destination list, kernel order (newest first), immutable
     * @param array              the same list with weights, counts and overload flags laid out flat
     * @param clientAddress      the packet's source address (sh and mh key on it)
     * @param clientPort         the packet's source port (used by sh-port / mh-port)
     * @param destinationAddress the packet's destination address (dh, lblc and lblcr key on it)
     * @param serviceFlags       the service's SCHED1/SCHED2 flag bits from {@code -b}
     */
    public ScheduleContext fill(List<Dest> dests, DestArray array, InetAddress clientAddress, int clientPort,
                                InetAddress destinationAddress, int serviceFlags) {
        this.array = array;
        this.dests = dests;
        this.clientAddress = clientAddress;
        this.clientPort = clientPort;
        this.destinationAddress = destinationAddress;
        this.serviceFlags = serviceFlags;
        return this;
    }

    public List<Dest> dests() {
        return dests;
    }

    /** {@link #dests()} laid out flat: what the scanning schedulers read. */
    public DestArray array() {
        return array;
    }

    public InetAddress clientAddress() {
        return clientAddress;
    }

    public int clientPort() {
        return clientPort;
    }

    public InetAddress destinationAddress() {
        return destinationAddress;
    }

    public boolean hasFlag(int flag) {
        return (serviceFlags & flag) != 0;
    }
}

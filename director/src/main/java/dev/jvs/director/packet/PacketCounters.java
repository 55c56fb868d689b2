package dev.jvs.director.packet;

/** Why frames were forwarded or dropped; written by one lane's thread only, read (racily) for logs and tests. */
public final class PacketCounters {
    public long framesSeen;
    public long forwarded;
    public long newFlows;
    public long truncated;
    public long badIpHeader;
    public long nonFirstFragments;
    public long unsupportedHeaders;
    public long noFlowNotSyn;
    public long oddTcpFlags;
    public long noDestination;
    public long flowTableFull;
    public long deadDestination;
    public long awaitingNeighbour;
    public long noEgress;
    public long transmitQueueFull;
    public long icmpErrorsForwarded;
    public long fragmentationNeededSent;
    public long tooBigWithoutDf;
    /** TCP aggregates cut into segments here (tunnels, ports without offload support). */
    public long aggregatesSegmented;
    /** TCP aggregates handed to the kernel whole, to be segmented on the way out. */
    public long aggregatesForwardedWhole;

    /** Adds another lane's counters to these. */
    void add(PacketCounters o) {
        framesSeen += o.framesSeen;
        forwarded += o.forwarded;
        newFlows += o.newFlows;
        truncated += o.truncated;
        badIpHeader += o.badIpHeader;
        nonFirstFragments += o.nonFirstFragments;
        unsupportedHeaders += o.unsupportedHeaders;
        noFlowNotSyn += o.noFlowNotSyn;
        oddTcpFlags += o.oddTcpFlags;
        noDestination += o.noDestination;
        flowTableFull += o.flowTableFull;
        deadDestination += o.deadDestination;
        awaitingNeighbour += o.awaitingNeighbour;
        noEgress += o.noEgress;
        transmitQueueFull += o.transmitQueueFull;
        icmpErrorsForwarded += o.icmpErrorsForwarded;
        fragmentationNeededSent += o.fragmentationNeededSent;
        tooBigWithoutDf += o.tooBigWithoutDf;
        aggregatesSegmented += o.aggregatesSegmented;
        aggregatesForwardedWhole += o.aggregatesForwardedWhole;
    }

    /** Every drop of a frame addressed to a packet service. */
    public long dropped() {
        return truncated + badIpHeader + nonFirstFragments + unsupportedHeaders + noFlowNotSyn + oddTcpFlags
                + noDestination + flowTableFull + deadDestination + awaitingNeighbour + noEgress + transmitQueueFull
                + tooBigWithoutDf;
    }

    @Override
    public String toString() {
        return "seen=" + framesSeen + " forwarded=" + forwarded + " newFlows=" + newFlows + " truncated=" + truncated
                + " badIpHeader=" + badIpHeader + " nonFirstFragments=" + nonFirstFragments
                + " unsupportedHeaders=" + unsupportedHeaders + " noFlowNotSyn=" + noFlowNotSyn
                + " oddTcpFlags=" + oddTcpFlags + " noDestination=" + noDestination
                + " flowTableFull=" + flowTableFull + " deadDestination=" + deadDestination
                + " awaitingNeighbour=" + awaitingNeighbour + " noEgress=" + noEgress
                + " transmitQueueFull=" + transmitQueueFull + " icmpErrorsForwarded=" + icmpErrorsForwarded
                + " fragmentationNeededSent=" + fragmentationNeededSent + " tooBigWithoutDf=" + tooBigWithoutDf
                + " aggregatesSegmented=" + aggregatesSegmented + " aggregatesForwardedWhole=" + aggregatesForwardedWhole;
    }
}

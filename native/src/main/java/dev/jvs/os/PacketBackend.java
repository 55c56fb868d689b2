package dev.jvs.os;

import java.util.Locale;

/** The ways JVS can move raw frames; {@link #AF_PACKET_RING} is the fast default, {@link #PCAP} the portable one. */
public enum PacketBackend {
    /** Linux AF_PACKET socket with memory-mapped TPACKET_V2 receive and transmit rings and the virtio-net header. */
    AF_PACKET_RING,
    /** libpcap through pcap4j: slower (a copy per frame), works wherever libpcap does. */
    PCAP;

    /** Opens a port on {@code interfaceName} (needs CAP_NET_RAW). */
    public PacketPort open(String interfaceName) throws java.io.IOException {
        return switch (this) {
            case AF_PACKET_RING -> AfPacketRingPort.open(interfaceName);
            case PCAP -> PcapPort.open(interfaceName);
        };
    }

    /**
     * Opens one of several ports on {@code interfaceName} that share its frames: the kernel hands each flow (by
     * its hash) to one port of fan-out group {@code group} of {@code members} ports, whose rings share the
     * memory one port would have. pcap cannot share: it refuses.
     */
    public PacketPort open(String interfaceName, int group, int members) throws java.io.IOException {
        return switch (this) {
            case AF_PACKET_RING -> AfPacketRingPort.open(interfaceName, group, members);
            case PCAP -> throw new java.io.IOException("the pcap backend runs one packet thread: use "
                    + "--packet-threads 1, or the af_packet backend");
        };
    }

    /** Parses "af_packet" / "pcap" (as given to {@code --packet-backend}). */
    public static PacketBackend named(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "af_packet", "af_packet-ring", "af-packet" -> AF_PACKET_RING;
            case "pcap" -> PCAP;
            default -> throw new IllegalArgumentException("unknown packet backend '" + name
                    + "' (expected af_packet or pcap)");
        };
    }
}

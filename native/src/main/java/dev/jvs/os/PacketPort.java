package dev.jvs.os;

import java.nio.ByteBuffer;

/**
 * Raw Ethernet frames in and out of one network interface. Not thread-safe: one thread owns a port.
 *
 * <p>Frames this host sends itself are not received (only frames arriving from the wire), so a forwarder
 * never sees its own output.
 */
public interface PacketPort extends AutoCloseable {

    String interfaceName();

    int interfaceIndex();

    /** The interface's hardware address. */
    byte[] macAddress();

    /** Which implementation this is ("af_packet-ring" or "pcap"), for logs. */
    String backendName();

    /**
     * Hands up to {@code maxFrames} received frames to {@code handler}, waiting at most {@code timeoutMillis}
     * for the first one.
     *
     * @return how many frames were handed over
     */
    int receive(FrameHandler handler, int maxFrames, int timeoutMillis);

    /**
     * Queues a copy of the frame for transmission; {@link #flush} makes sure it leaves.
     *
     * @return false (the frame is dropped) when the transmit queue is full
     */
    boolean send(ByteBuffer frame, int offset, int length);

    /** Asks the kernel to transmit everything queued. */
    void flush();

    @Override
    void close();
}

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
    default boolean send(ByteBuffer frame, int offset, int length) {
        return send(frame, offset, length, Offload.NONE);
    }

    /**
     * Queues a copy of the frame with its offload state ({@link Offload}): the kernel finishes the checksum and
     * cuts the aggregate into segments on the way out. Only for ports that {@link #acceptsOffload()}; others take
     * only {@link Offload#NONE}.
     */
    boolean send(ByteBuffer frame, int offset, int length, long offload);

    /**
     * Whether {@link #send(ByteBuffer, int, int, long)} hands offload state to the kernel, and received frames
     * carry theirs. When false, a forwarder must finish checksums and cut aggregates itself.
     */
    default boolean acceptsOffload() {
        return false;
    }

    /**
     * Lets only frames this program accepts reach {@link #receive} ({@link SocketFilter#program}); replaces the
     * previous filter at once. Null lets everything through. Ports without kernel filtering ignore it.
     */
    default void filter(byte[] program) throws java.io.IOException {
    }

    /** Asks the kernel to transmit everything queued. */
    void flush();

    @Override
    void close();
}

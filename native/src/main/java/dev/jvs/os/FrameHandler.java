package dev.jvs.os;

import java.nio.ByteBuffer;

/** Receives Ethernet frames from a {@link PacketPort}, one call per frame, on the polling thread. */
@FunctionalInterface
public interface FrameHandler {

    /**
     * @param frame  big-endian buffer holding the frame at {@code [offset, offset + length)}; valid only during
     *               the call (for the ring backend it is the kernel's ring memory), and the handler may rewrite
     *               the frame in place before passing it to {@link PacketPort#send}
     * @param wireLength the frame's length on the wire; larger than {@code length} when it did not fit the
     *               receive slot (the handler should drop such a frame: it is incomplete)
     */
    void onFrame(ByteBuffer frame, int offset, int length, int wireLength);

    /**
     * The same, with the frame's offload state ({@link Offload}): ports that learn it from the kernel call this
     * one. Handlers that forward frames override it; the rest see only finished frames' bytes.
     */
    default void onFrame(ByteBuffer frame, int offset, int length, int wireLength, long offload) {
        onFrame(frame, offset, length, wireLength);
    }
}

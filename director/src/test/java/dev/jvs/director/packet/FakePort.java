package dev.jvs.director.packet;

import dev.jvs.os.FrameHandler;
import dev.jvs.os.PacketPort;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** A port that records what is sent through it. */
final class FakePort implements PacketPort {

    static final byte[] MAC = {2, 0, 0, 0, 0, 1};
    final List<byte[]> sent = new ArrayList<>();
    final List<Long> offloads = new ArrayList<>();
    /** Whether this port takes offloaded frames (as the AF_PACKET rings do) or needs them finished (pcap). */
    boolean acceptsOffload = true;

    @Override public String interfaceName() { return "fake0"; }
    @Override public int interfaceIndex() { return 99; }
    @Override public byte[] macAddress() { return MAC.clone(); }
    @Override public String backendName() { return "fake"; }
    @Override public int receive(FrameHandler handler, int maxFrames, int timeoutMillis) { return 0; }

    @Override
    public boolean send(ByteBuffer frame, int offset, int length, long offload) {
        byte[] copy = new byte[length];
        frame.get(offset, copy);
        sent.add(copy);
        offloads.add(offload);
        return true;
    }

    @Override public boolean acceptsOffload() { return acceptsOffload; }
    @Override public void flush() { }
    @Override public void close() { }
}

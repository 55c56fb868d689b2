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

    @Override public String interfaceName() { return "fake0"; }
    @Override public int interfaceIndex() { return 99; }
    @Override public byte[] macAddress() { return MAC.clone(); }
    @Override public String backendName() { return "fake"; }
    @Override public int receive(FrameHandler handler, int maxFrames, int timeoutMillis) { return 0; }

    @Override
    public boolean send(ByteBuffer frame, int offset, int length) {
        byte[] copy = new byte[length];
        frame.get(offset, copy);
        sent.add(copy);
        return true;
    }

    @Override public void flush() { }
    @Override public void close() { }
}

package dev.jvs.os;

import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.PcapNetworkInterface.PromiscuousMode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.locks.LockSupport;

/**
 * The portable backend: libpcap through pcap4j. Every frame is copied into a Java array and sent with its own
 * system call, so it is several times slower than the rings, but it needs nothing beyond libpcap.
 *
 * <p>libpcap does not pass on the kernel's virtio-net header, so each frame's offload state is inferred from its
 * bytes ({@link OffloadInference}) and the forwarder finishes checksums and cuts aggregates itself: this port
 * never {@link #acceptsOffload() accepts} offloaded frames for sending.
 */
final class PcapPort implements PacketPort {

    /** Debian ships only the versioned library name unless libpcap-dev is installed. */
    private static final String[] LIBRARY_CANDIDATES = {
            "/usr/lib/x86_64-linux-gnu/libpcap.so.0.8", "/usr/lib/aarch64-linux-gnu/libpcap.so.0.8",
            "/usr/lib64/libpcap.so.1", "/usr/lib/libpcap.so.0.8"};

    private static final long IDLE_WAIT_NANOS = 200_000;

    private final String interfaceName;
    private final int interfaceIndex;
    private final byte[] mac;
    private final PcapHandle handle;
    private final int mtu;
    private final byte[] sendBuffer = new byte[65536];
    private boolean closed;

    private PcapPort(String interfaceName, PcapHandle handle) {
        this.interfaceName = interfaceName;
        this.interfaceIndex = Interfaces.index(interfaceName);
        this.mac = Interfaces.macAddress(interfaceName);
        this.handle = handle;
        this.mtu = Interfaces.mtu(interfaceName);
    }

    static PcapPort open(String interfaceName) throws IOException {
        Interfaces.index(interfaceName);
        if (System.getProperty("org.pcap4j.core.pcapLibName") == null) {
            for (String candidate : LIBRARY_CANDIDATES) {
                if (Files.exists(Path.of(candidate))) {
                    System.setProperty("org.pcap4j.core.pcapLibName", candidate);
                    break;
                }
            }
        }
        try {
            PcapHandle handle = new PcapHandle.Builder(interfaceName)
                    .snaplen(65536)
                    .promiscuousMode(PromiscuousMode.NONPROMISCUOUS)
                    .immediateMode(true)
                    .timeoutMillis(10)
                    .direction(PcapHandle.PcapDirection.IN)
                    .build();
            // Immediate mode makes libpcap ignore its read timeout, so reads never block and receive() waits.
            handle.setBlockingMode(PcapHandle.BlockingMode.NONBLOCKING);
            return new PcapPort(interfaceName, handle);
        } catch (PcapNativeException | NotOpenException | RuntimeException | UnsatisfiedLinkError e) {
            throw new IOException("cannot open " + interfaceName + " with libpcap: " + e.getMessage(), e);
        }
    }

    @Override
    public String interfaceName() {
        return interfaceName;
    }

    @Override
    public int interfaceIndex() {
        return interfaceIndex;
    }

    @Override
    public byte[] macAddress() {
        return mac.clone();
    }

    @Override
    public String backendName() {
        return "pcap";
    }

    @Override
    public int receive(FrameHandler handler, int maxFrames, int timeoutMillis) {
        int handled = 0;
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        try {
            while (handled < maxFrames) {
                byte[] frame = handle.getNextRawPacket();
                if (frame == null) {
                    if (handled > 0 || System.nanoTime() >= deadline) break;
                    LockSupport.parkNanos(IDLE_WAIT_NANOS); // no selectable descriptor through pcap4j
                    continue;
                }
                ByteBuffer buffer = ByteBuffer.wrap(frame);
                handler.onFrame(buffer, 0, frame.length, frame.length,
                        OffloadInference.infer(buffer, 0, frame.length, mtu));
                handled++;
            }
        } catch (NotOpenException e) {
            throw new IllegalStateException(interfaceName + " is closed", e);
        }
        return handled;
    }

    @Override
    public boolean send(ByteBuffer frame, int offset, int length, long offload) {
        if (length > sendBuffer.length || offload != Offload.NONE) return false;
        frame.get(offset, sendBuffer, 0, length);
        try {
            handle.sendPacket(sendBuffer, length);
            return true;
        } catch (PcapNativeException | NotOpenException e) {
            return false;
        }
    }

    @Override
    public void flush() {
        // pcap_sendpacket transmits immediately
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        handle.close();
    }
}

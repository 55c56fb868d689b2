package dev.jvs.os;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** What the pcap port infers about frames libpcap hands over without the kernel's offload header. */
class OffloadInferenceTest {

    private static ByteBuffer tcp(int payload, boolean finished) {
        ByteBuffer b = ByteBuffer.allocate(14 + 40 + payload);
        b.putShort(12, (short) 0x0800);
        b.put(14, (byte) 0x45).putShort(16, (short) (40 + payload)).put(23, (byte) 6);
        b.putInt(26, 0x0a000001).putInt(30, 0x0a000002);
        b.put(34 + 12, (byte) 0x50);
        for (int i = 0; i < payload; i++) b.put(54 + i, (byte) i);
        long pseudo = sum(b, 26, 8) + 6 + 20 + payload;
        int partial = ~fold(pseudo) & 0xffff;
        b.putShort(34 + 16, (short) (finished ? fold(pseudo + sum(b, 34, 20 + payload)) : partial));
        return b;
    }

    /** A UDP datagram of a few bytes, shorter than any TCP frame (iperf3's 4-byte UDP greeting is one). */
    private static ByteBuffer udp(int payload) {
        ByteBuffer b = ByteBuffer.allocate(14 + 28 + payload);
        b.putShort(12, (short) 0x0800);
        b.put(14, (byte) 0x45).putShort(16, (short) (28 + payload)).put(23, (byte) 17);
        b.putInt(26, 0x0a000001).putInt(30, 0x0a000002);
        b.putShort(34 + 4, (short) (8 + payload));
        for (int i = 0; i < payload; i++) b.put(42 + i, (byte) (i + 1));
        b.putShort(34 + 6, (short) (~fold(sum(b, 26, 8) + 17 + 8 + payload) & 0xffff));
        return b;
    }

    private static long sum(ByteBuffer b, int from, int length) {
        long s = 0;
        for (int i = 0; i + 1 < length; i += 2) s += b.getShort(from + i) & 0xffff;
        return s;
    }

    private static int fold(long s) {
        while ((s >>> 16) != 0) s = (s & 0xffff) + (s >>> 16);
        return (int) (~s & 0xffff);
    }

    @Test
    void aFinishedFrameIsPlain() {
        ByteBuffer b = tcp(100, true);
        assertEquals(Offload.NONE, OffloadInference.infer(b, 0, b.limit(), 1500));
    }

    @Test
    void aChecksumFieldHoldingOnlyThePseudoHeaderSumNeedsFinishing() {
        ByteBuffer b = tcp(100, false);
        assertEquals(Offload.of(Offload.NEEDS_CSUM, Offload.GSO_NONE, 0, 34, 16),
                OffloadInference.infer(b, 0, b.limit(), 1500));
    }

    @Test
    void aTcpPacketLongerThanTheMtuIsAnAggregateCutToFitIt() {
        ByteBuffer b = tcp(9000, false);
        assertEquals(Offload.of(Offload.NEEDS_CSUM, Offload.GSO_TCPV4, 1460, 34, 16),
                OffloadInference.infer(b, 0, b.limit(), 1500));
    }

    @Test
    void aSmallUdpDatagramWithAnUnfinishedChecksumNeedsFinishing() {
        ByteBuffer b = udp(4);
        assertEquals(Offload.of(Offload.NEEDS_CSUM, Offload.GSO_NONE, 0, 34, 6),
                OffloadInference.infer(b, 0, b.limit(), 1500));
    }
}

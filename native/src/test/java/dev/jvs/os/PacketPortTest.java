package dev.jvs.os;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Both backends against a real veth pair (root only: opening a packet socket needs CAP_NET_RAW). */
class PacketPortTest {

    private static final int TEST_ETHERTYPE = 0x88b5; // IEEE "local experimental"

    @ParameterizedTest
    @EnumSource(PacketBackend.class)
    void framesSentOnOneEndArriveIntactOnTheOtherAndNotBackAtTheSender(PacketBackend backend) throws Exception {
        assumeTrue(VethPair.isRoot(), "needs root to create a veth pair and open packet sockets");
        try (VethPair veth = VethPair.create();
             PacketPort sender = backend.open(veth.left);
             PacketPort receiver = backend.open(veth.right)) {
            assertEquals(Interfaces.index(veth.left), sender.interfaceIndex());
            assertArrayEquals(Interfaces.macAddress(veth.left), sender.macAddress());
            List<Integer> seen = new ArrayList<>();
            FrameHandler collect = (buffer, offset, length, wireLength) -> {
                if (length >= 18 && (buffer.getShort(offset + 12) & 0xffff) == TEST_ETHERTYPE) {
                    assertEquals(length, wireLength);
                    assertEquals(100, length);
                    seen.add(buffer.getInt(offset + 14));
                }
            };
            // Batches of 8, drained in between, as a forwarder works: neither backend has to buffer much.
            for (int i = 0; i < 200; i++) {
                ByteBuffer frame = testFrame(sender.macAddress(), receiver.macAddress(), i);
                assertTrue(sender.send(frame, 0, frame.limit()), "queued frame " + i);
                if (i % 8 == 7) {
                    sender.flush();
                    awaitFrames(receiver, collect, seen, i + 1);
                }
            }
            sender.flush();
            awaitFrames(receiver, collect, seen, 200);
            List<Integer> expected = new ArrayList<>();
            for (int i = 0; i < 200; i++) expected.add(i);
            assertEquals(expected, seen, backend + " delivers every frame in order");

            int[] echoed = {0};
            sender.receive((buffer, offset, length, wireLength) -> {
                if ((buffer.getShort(offset + 12) & 0xffff) == TEST_ETHERTYPE) echoed[0]++;
            }, 256, 50);
            assertEquals(0, echoed[0], "a port does not receive its own transmissions");
        }
    }

    private static void awaitFrames(PacketPort port, FrameHandler handler, List<Integer> seen, int count) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (seen.size() < count && System.nanoTime() < deadline) port.receive(handler, 64, 10);
    }

    private static ByteBuffer testFrame(byte[] source, byte[] destination, int sequence) {
        ByteBuffer frame = ByteBuffer.allocate(100);
        frame.put(destination).put(source).putShort((short) TEST_ETHERTYPE).putInt(sequence);
        frame.position(0).limit(100);
        return frame;
    }
}

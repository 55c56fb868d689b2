package dev.jvs.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The generated classic BPF program, run by a small interpreter of the opcodes it uses, on crafted frames. */
class SocketFilterTest {

    private static final byte[] PROGRAM = SocketFilter.program(List.of(
            new SocketFilter.Service(address("10.0.0.100"), 6, 80),
            new SocketFilter.Service(address("10.0.0.100"), 17, 53),
            new SocketFilter.Service(address("10.0.0.101"), 6, 0),
            new SocketFilter.Service(address("fd00::100"), 6, 443)));

    private static InetAddress address(String text) {
        try {
            return InetAddress.getByName(text);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs the program: the number of bytes kept (0 = dropped). */
    private static long run(byte[] program, ByteBuffer frame) {
        ByteBuffer p = ByteBuffer.wrap(program).order(ByteOrder.nativeOrder());
        int a = 0;
        int x = 0;
        for (int pc = 0; ; pc++) {
            int code = p.getShort(pc * 8) & 0xffff;
            int jt = p.get(pc * 8 + 2) & 0xff;
            int jf = p.get(pc * 8 + 3) & 0xff;
            int k = p.getInt(pc * 8 + 4);
            switch (code) {
                case 0x20 -> a = frame.getInt(k);
                case 0x28 -> a = frame.getShort(k) & 0xffff;
                case 0x30 -> a = frame.get(k) & 0xff;
                case 0x48 -> a = frame.getShort(x + k) & 0xffff;
                case 0xb1 -> x = (frame.get(k) & 0x0f) * 4;
                case 0x05 -> pc += k;
                case 0x15 -> pc += a == k ? jt : jf;
                case 0x45 -> pc += (a & k) != 0 ? jt : jf;
                case 0x06 -> {
                    return Integer.toUnsignedLong(k);
                }
                default -> throw new AssertionError("unexpected opcode " + code);
            }
        }
    }

    private static ByteBuffer ipv4(String destination, int protocol, int port, int fragmentOffset) {
        ByteBuffer b = ByteBuffer.allocate(14 + 20 + 20);
        b.putShort(12, (short) 0x0800);
        b.put(14, (byte) 0x45).putShort(20, (short) fragmentOffset).put(23, (byte) protocol);
        b.put(30, address(destination).getAddress());
        b.putShort(34 + 2, (short) port);
        return b;
    }

    private static ByteBuffer ipv6(String destination, int next, int portOrType) {
        ByteBuffer b = ByteBuffer.allocate(14 + 40 + 20);
        b.putShort(12, (short) 0x86dd);
        b.put(14, (byte) 0x60).put(20, (byte) next);
        b.put(38, address(destination).getAddress());
        if (next == 58) {
            b.put(54, (byte) portOrType);
        } else {
            b.putShort(54 + 2, (short) portOrType);
        }
        return b;
    }

    private static boolean accepted(ByteBuffer frame) {
        return run(PROGRAM, frame) != 0;
    }

    @Test
    void framesOfTheServicesAndWhatNeighbourResolutionNeedsPassWholeAndNothingElseDoes() {
        assertNotNull(PROGRAM);
        assertEquals(0xffffffffL, run(PROGRAM, ipv4("10.0.0.100", 6, 80, 0)), "whole frames, aggregates too");
        assertTrue(accepted(ipv4("10.0.0.100", 17, 53, 0)));
        assertTrue(accepted(ipv4("10.0.0.101", 6, 12345, 0)), "a port-0 service takes every port");
        assertTrue(accepted(ipv4("10.0.0.100", 1, 0, 0)), "ICMP to a VIP: errors about its flows");
        assertTrue(accepted(ipv4("10.0.0.100", 6, 8080, 100)), "later fragments are the forwarder's to count");
        assertTrue(accepted(ipv6("fd00::100", 6, 443)));
        assertTrue(accepted(ipv6("fe80::1", 58, 136)), "neighbour advertisements, whoever they are for");
        ByteBuffer arp = ByteBuffer.allocate(60);
        arp.putShort(12, (short) 0x0806);
        assertTrue(accepted(arp));

        assertFalse(accepted(ipv4("10.0.0.100", 6, 81, 0)), "another port of the VIP");
        assertFalse(accepted(ipv4("10.0.0.100", 17, 80, 0)), "another protocol");
        assertFalse(accepted(ipv4("10.0.0.12", 6, 80, 0)), "another host");
        assertFalse(accepted(ipv4("10.0.0.12", 1, 0, 0)), "ICMP for someone else");
        assertFalse(accepted(ipv6("fd00::100", 6, 80)));
        assertFalse(accepted(ipv6("fd00::12", 6, 443)));
        assertFalse(accepted(ipv6("fd00::12", 58, 128)), "an echo request for someone else");
        ByteBuffer other = ByteBuffer.allocate(60);
        other.putShort(12, (short) 0x88b5);
        assertFalse(accepted(other));
    }

    @Test
    void withoutServicesOnlyNeighbourFramesPass() {
        byte[] empty = SocketFilter.program(List.of());
        assertFalse(run(empty, ipv4("10.0.0.100", 6, 80, 0)) != 0);
        ByteBuffer arp = ByteBuffer.allocate(60);
        arp.putShort(12, (short) 0x0806);
        assertTrue(run(empty, arp) != 0);
    }

    @Test
    void twoHundredFiftyServicesStillMakeOneProgramWhoseLastServicePasses() {
        List<SocketFilter.Service> many = new ArrayList<>();
        for (int i = 0; i < 250; i++) {
            many.add(new SocketFilter.Service(address("10.1." + (i / 250) + "." + (i % 250)), 6, 80 + i));
        }
        byte[] program = SocketFilter.program(many);
        assertNotNull(program);
        assertTrue(run(program, ipv4("10.1.0.249", 6, 329, 0)) != 0, "the last service passes");
        assertFalse(run(program, ipv4("10.1.0.249", 6, 328, 0)) != 0, "its neighbour's port does not");
    }
}

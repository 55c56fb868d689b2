package dev.jvs.os;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

class GratuitousArpTest {

    @Test
    void gratuitousArpIsARequestForTheAddressItselfWithBroadcastTarget() throws Exception {
        byte[] mac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
        byte[] expected = {
                0, 1, 8, 0, 6, 4, 0, 1,
                2, 0, 0, 0, 0, 1, 10, 0, 0, 100,
                (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 10, 0, 0, 100};
        assertArrayEquals(expected, GratuitousArp.frame(mac, InetAddress.getByName("10.0.0.100")));
    }
}

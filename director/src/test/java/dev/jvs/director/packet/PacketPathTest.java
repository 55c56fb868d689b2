package dev.jvs.director.packet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jvs.director.rules.Fixtures;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class PacketPathTest {

    private static final InetAddress VIP6 = Fixtures.addr("fd00::100");

    @Test
    void ipv6SolicitationsComeFromTheLinkLocalAddressNotFromTheVipTheRouteWouldPick() {
        InetAddress linkLocal = Fixtures.addr("fe80::1");
        assertEquals(linkLocal, PacketPath.solicitationSource(VIP6,
                List.of(VIP6, Fixtures.addr("fd00::2"), linkLocal)));
    }

    @Test
    void withoutALinkLocalAddressSolicitationsFallBackToTheRouteSource() {
        assertEquals(VIP6, PacketPath.solicitationSource(VIP6, List.of(VIP6, Fixtures.addr("10.0.0.2"))));
    }
}

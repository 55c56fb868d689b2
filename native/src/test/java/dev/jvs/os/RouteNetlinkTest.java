package dev.jvs.os;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Netlink answers against iproute2's for the same questions, on this host's own tables. */
class RouteNetlinkTest {

    private static String ip(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("ip"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        p.waitFor();
        return p.exitValue() == 0 ? out : null;
    }

    @Test
    void routesAreTheOnesIpRouteGetPrints() throws Exception {
        assumeTrue(VethPair.canCreate() || new java.io.File("/usr/sbin/ip").canExecute() || new java.io.File(
                "/sbin/ip").canExecute(), "needs iproute2 to compare with");
        try (RouteNetlink netlink = RouteNetlink.open()) {
            for (String destination : List.of("127.0.0.1", "::1", "192.0.2.1", "203.0.113.9", "198.51.100.200")) {
                String text = ip("route", "get", destination);
                InetAddress address = InetAddress.getByName(destination);
                if (text == null) {
                    assertThrows(IOException.class, () -> netlink.routeTo(address), destination);
                    continue;
                }
                Routing.Route route = netlink.routeTo(address);
                String[] words = text.split("\\s+");
                for (int i = 0; i + 1 < words.length; i++) {
                    switch (words[i]) {
                        case "dev" -> assertEquals(words[i + 1], route.interfaceName(), text);
                        case "via" -> assertEquals(InetAddress.getByName(words[i + 1]), route.gateway(), text);
                        case "src" -> assertEquals(InetAddress.getByName(words[i + 1]), route.source(), text);
                        default -> { }
                    }
                }
                if (!text.contains(" via ")) assertNull(route.gateway(), text);
            }
        }
    }

    @Test
    void aNeighbourEntryIsFoundWithItsMacAndAnUnknownOneIsNot() throws Exception {
        assumeTrue(VethPair.isRoot(), "needs root to add neighbour entries");
        try (VethPair veth = VethPair.create(); RouteNetlink netlink = RouteNetlink.open()) {
            VethPair.run("ip", "neigh", "add", "198.51.100.7", "lladdr", "02:00:00:00:00:07", "dev", veth.left,
                    "nud", "permanent");
            assertArrayEquals(new byte[] {2, 0, 0, 0, 0, 7},
                    netlink.lookup(InetAddress.getByName("198.51.100.7"), veth.left));
            assertNull(netlink.lookup(InetAddress.getByName("198.51.100.8"), veth.left));

            java.util.concurrent.BlockingQueue<String> seen = new java.util.concurrent.LinkedBlockingQueue<>();
            try (AutoCloseable watch = netlink.watch((address, interfaceName, mac) ->
                    seen.add(address.getHostAddress() + " " + interfaceName + " " + mac[5]))) {
                VethPair.run("ip", "neigh", "add", "198.51.100.9", "lladdr", "02:00:00:00:00:09", "dev", veth.left,
                        "nud", "permanent");
                String event;
                do {
                    event = seen.poll(5, java.util.concurrent.TimeUnit.SECONDS);
                } while (event != null && !event.startsWith("198.51.100.9 "));
                assertEquals("198.51.100.9 " + veth.left + " 9", event, "the kernel's change is announced");
            }
            assertNull(netlink.lookup(InetAddress.getByName("198.51.100.7"), veth.right));
        }
    }
}

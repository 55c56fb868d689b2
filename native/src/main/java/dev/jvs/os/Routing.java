package dev.jvs.os;

import java.io.IOException;
import java.net.InetAddress;
import java.util.List;

/** Which way the kernel would send a packet: the egress interface, next hop and source address. */
public interface Routing {

    /**
     * @param interfaceName the egress interface
     * @param gateway       the next hop, or null when the destination is on-link
     * @param source        the address the kernel would use as source
     * @param mtu           the route's MTU, or the interface's when the route has none
     */
    record Route(String interfaceName, InetAddress gateway, InetAddress source, int mtu) {
        /** The address whose MAC the frame must carry: the gateway, or the destination itself. */
        public InetAddress nextHop(InetAddress destination) {
            return gateway != null ? gateway : destination;
        }
    }

    /** @throws IOException when there is no route (or the lookup failed) */
    Route routeTo(InetAddress destination) throws IOException;

    /** The kernel's own answer, from {@code ip route get}. */
    static Routing kernel() {
        return destination -> {
            Commands.Output out = Commands.run(null, List.of("ip", "route", "get", destination.getHostAddress()));
            if (out.status() != 0) {
                throw new IOException("no route to " + destination.getHostAddress() + ": " + out.text().trim());
            }
            String[] words = out.text().trim().split("\\s+");
            String dev = null;
            InetAddress via = null;
            InetAddress src = null;
            int mtu = 0;
            for (int i = 0; i + 1 < words.length; i++) {
                switch (words[i]) {
                    case "dev" -> dev = words[i + 1];
                    case "via" -> via = InetAddress.getByName(words[i + 1]);
                    case "src" -> src = InetAddress.getByName(words[i + 1]);
                    case "mtu" -> mtu = Integer.parseInt(words[i + 1]);
                    default -> { }
                }
            }
            if (dev == null) throw new IOException("unexpected 'ip route get' answer: " + out.text().trim());
            if (mtu == 0) mtu = Interfaces.mtu(dev);
            return new Route(dev, via, src, mtu);
        };
    }
}

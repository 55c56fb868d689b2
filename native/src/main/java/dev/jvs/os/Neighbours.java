package dev.jvs.os;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The kernel's neighbour (ARP/NDP) table: who has which MAC on which interface. */
public interface Neighbours {

    /** The MAC of {@code address} on {@code interfaceName}, or null when the kernel has no complete entry. */
    byte[] lookup(InetAddress address, String interfaceName);

    /** Told of every neighbour entry the kernel completes or changes, on the watcher's own thread. */
    interface Listener {
        void changed(InetAddress address, String interfaceName, byte[] mac);
    }

    /**
     * Calls {@code listener} for each neighbour entry the kernel adds or changes from now on, until closed.
     * Sources that cannot watch return a watch that does nothing (callers keep polling {@link #lookup}).
     */
    default AutoCloseable watch(Listener listener) {
        return () -> { };
    }

    /** IPv4 from /proc/net/arp, IPv6 from {@code ip -6 neigh}. */
    static Neighbours kernel() {
        return (address, interfaceName) -> {
            try {
                return address instanceof Inet4Address ? fromProcArp(address, interfaceName)
                        : fromIpNeigh(address, interfaceName);
            } catch (IOException e) {
                return null;
            }
        };
    }

    private static byte[] fromProcArp(InetAddress address, String interfaceName) throws IOException {
        String wanted = address.getHostAddress();
        for (String line : Files.readAllLines(Path.of("/proc/net/arp"))) {
            // IP address, HW type, Flags, HW address, Mask, Device
            String[] f = line.trim().split("\\s+");
            if (f.length >= 6 && f[0].equals(wanted) && f[5].equals(interfaceName)
                    && (Integer.decode(f[2]) & 0x2) != 0) {
                return parseMac(f[3]);
            }
        }
        return null;
    }

    private static byte[] fromIpNeigh(InetAddress address, String interfaceName) throws IOException {
        Commands.Output out = Commands.run(null,
                List.of("ip", "-6", "neigh", "show", address.getHostAddress(), "dev", interfaceName));
        String[] words = out.text().trim().split("\\s+");
        for (int i = 0; i + 1 < words.length; i++) {
            if (words[i].equals("lladdr") && !out.text().contains("FAILED") && !out.text().contains("INCOMPLETE")) {
                return parseMac(words[i + 1]);
            }
        }
        return null;
    }

    static byte[] parseMac(String text) {
        String[] parts = text.split(":");
        if (parts.length != 6) return null;
        byte[] mac = new byte[6];
        for (int i = 0; i < 6; i++) mac[i] = (byte) Integer.parseInt(parts[i], 16);
        boolean zero = true;
        for (byte b : mac) zero &= b == 0;
        return zero ? null : mac;
    }
}

package dev.jvs.os;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Adds and removes addresses on interfaces. The system implementation runs {@code ip addr}
 * (iproute2) as a child process: simpler and easier to audit than hand-built rtnetlink
 * messages, and VIP changes are rare.
 */
public interface InterfaceAddresses {

    /**
     * Adds {@code address/prefixLength} to {@code ifName}.
     *
     * @return false if it was already there (so it is not ours to remove later)
     */
    boolean add(String ifName, InetAddress address, int prefixLength, String label) throws IOException;

    void remove(String ifName, InetAddress address, int prefixLength) throws IOException;

    /** Whether the interface exists and is up and running. */
    boolean isUp(String ifName);

    /** The interface's first IPv4 (or IPv6 link-local) address not in {@code except}, or null. */
    InetAddress primaryAddress(String ifName, boolean ipv6, java.util.Set<InetAddress> except);

    static InterfaceAddresses system() {
        return new IpCommand();
    }

    /** iproute2's {@code ip}. */
    final class IpCommand implements InterfaceAddresses {

        @Override
        public boolean add(String ifName, InetAddress address, int prefixLength, String label) throws IOException {
            List<String> cmd = new ArrayList<>(List.of("ip", family(address), "addr", "add",
                    address.getHostAddress() + "/" + prefixLength, "dev", ifName));
            if (label != null && address instanceof Inet4Address) cmd.addAll(List.of("label", label));
            if (address instanceof Inet6Address) cmd.add("nodad"); // usable at once, as a VIP must be
            String error = run(cmd);
            if (error == null) return true;
            // iproute2 says "File exists", newer kernels "Address already assigned"
            if (error.contains("File exists") || error.contains("already assigned")) return false;
            throw new IOException(String.join(" ", cmd) + ": " + error);
        }

        @Override
        public void remove(String ifName, InetAddress address, int prefixLength) throws IOException {
            List<String> cmd = List.of("ip", family(address), "addr", "del",
                    address.getHostAddress() + "/" + prefixLength, "dev", ifName);
            String error = run(cmd);
            if (error != null && !error.contains("Cannot assign requested address")) {
                throw new IOException(String.join(" ", cmd) + ": " + error);
            }
        }

        @Override
        public boolean isUp(String ifName) {
            try {
                NetworkInterface nic = NetworkInterface.getByName(ifName);
                return nic != null && nic.isUp();
            } catch (IOException e) {
                return false;
            }
        }

        @Override
        public InetAddress primaryAddress(String ifName, boolean ipv6, java.util.Set<InetAddress> except) {
            try {
                NetworkInterface nic = NetworkInterface.getByName(ifName);
                if (nic == null) return null;
                for (var ia : nic.getInterfaceAddresses()) {
                    InetAddress a = ia.getAddress();
                    if (except.contains(a)) continue;
                    if (ipv6 && a instanceof Inet6Address && a.isLinkLocalAddress()) return a;
                    if (!ipv6 && a instanceof Inet4Address) return a;
                }
                return null;
            } catch (IOException e) {
                return null;
            }
        }

        private static String family(InetAddress address) {
            return address instanceof Inet4Address ? "-4" : "-6";
        }

        /** Runs the command; null on success, else its error output. */
        private static String run(List<String> cmd) throws IOException {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return "timed out";
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
                return "interrupted";
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return p.exitValue() == 0 ? null : out;
        }
    }
}

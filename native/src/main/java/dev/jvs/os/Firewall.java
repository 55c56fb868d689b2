package dev.jvs.os;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Collection;
import java.util.List;

/**
 * Keeps the director's own kernel from answering traffic the packet path forwards: AF_PACKET taps see a frame
 * before netfilter does, so dropping it in prerouting stops the local stack (no RSTs, no duplicate replies)
 * without hiding it from the forwarder.
 */
public interface Firewall extends AutoCloseable {

    /**
     * What the kernel must ignore: {@code protocol} "tcp", "udp" or "sctp" to {@code address:port} (port 0: every
     * port), or "ipip" (IP protocol 4) to {@code address}.
     */
    record Endpoint(String protocol, InetAddress address, int port) {}

    /** Replaces the whole set of endpoints the kernel must not see (empty removes JVS's table). */
    void ignoreLocally(Collection<Endpoint> endpoints) throws IOException;

    /** Removes JVS's table. */
    @Override
    void close() throws IOException;

    /** nftables: a table {@code inet jvs} with one prerouting chain, replaced atomically with {@code nft -f}. */
    static Firewall nftables(String tableName) {
        return new Firewall() {
            private boolean installed;

            @Override
            public synchronized void ignoreLocally(Collection<Endpoint> endpoints) throws IOException {
                if (endpoints.isEmpty()) {
                    close();
                    return;
                }
                StringBuilder script = new StringBuilder();
                // "add" then "delete" makes the replacement work whether or not the table exists already.
                script.append("add table inet ").append(tableName).append('\n');
                script.append("delete table inet ").append(tableName).append('\n');
                script.append("table inet ").append(tableName).append(" {\n");
                script.append("  chain prerouting {\n");
                script.append("    type filter hook prerouting priority raw; policy accept;\n");
                for (Endpoint e : endpoints) {
                    String family = e.address() instanceof Inet6Address ? "ip6" : "ip";
                    script.append("    ").append(family).append(" daddr ").append(e.address().getHostAddress());
                    if (e.protocol().equals("ipip")) {
                        script.append(" meta l4proto 4");
                    } else if (e.port() == 0) {
                        script.append(" meta l4proto ").append(e.protocol());
                    } else {
                        script.append(' ').append(e.protocol()).append(" dport ").append(e.port());
                    }
                    script.append(" drop\n");
                }
                script.append("  }\n}\n");
                Commands.Output out = Commands.run(script.toString(), List.of("nft", "-f", "-"));
                if (out.status() != 0) {
                    throw new IOException("nft refused the JVS table: " + out.text().trim());
                }
                installed = true;
            }

            @Override
            public synchronized void close() throws IOException {
                if (!installed) return;
                installed = false;
                Commands.run(null, List.of("nft", "delete", "table", "inet", tableName));
            }
        };
    }
}

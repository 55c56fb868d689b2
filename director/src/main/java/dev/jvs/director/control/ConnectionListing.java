package dev.jvs.director.control;

import dev.jvs.director.conn.Connection;
import dev.jvs.director.conn.ConnectionTable;
import dev.jvs.ipvsadm.NameResolver;
import dev.jvs.model.Protocol;

import java.net.Inet6Address;
import java.net.InetSocketAddress;

/** {@code ipvsadm -Lc}: the connection table in ipvsadm's layout (table order, not sorted). */
final class ConnectionListing {

    private ConnectionListing() {}

    static String list(ConnectionTable table, NameResolver names, long now) {
        StringBuilder out = new StringBuilder("IPVS connection entries\n");
        out.append(String.format("pro expire %-11s %-18s %-18s %s\n", "state", "source", "virtual", "destination"));
        table.forEach(c -> out.append(row(c, now, names)));
        return out.toString();
    }

    private static String row(Connection c, long now, NameResolver names) {
        long expires = c.expiresInSeconds(now);
        String expire = String.format("%02d:%02d", expires / 60, expires % 60);
        Protocol protocol = c.protocol();
        return String.format("%-3s %-6s %-11s %-18s %-18s %s\n", protocol.label(), expire, c.stateName(),
                endpoint(c.client(), protocol, names), endpoint(c.virtual(), protocol, names),
                endpoint(c.destination(), protocol, names));
    }

    private static String endpoint(InetSocketAddress address, Protocol protocol, NameResolver names) {
        String host = names.host(address.getAddress());
        if (address.getAddress() instanceof Inet6Address) host = "[" + host + "]";
        return host + ":" + names.port(address.getPort(), protocol);
    }
}

package dev.jvs.director.control;

import dev.jvs.director.conn.Connection;
import dev.jvs.director.conn.ConnectionTable;
import dev.jvs.director.packet.PacketPath;
import dev.jvs.ipvsadm.NameResolver;
import dev.jvs.model.Protocol;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.List;

/** {@code ipvsadm -Lc}: the connection table in ipvsadm's layout (table order, not sorted). */
final class ConnectionListing {

    private ConnectionListing() {}

    static String list(ConnectionTable table, NameResolver names, long now) {
        return list(table, List.of(), names, now);
    }

    /** The proxied connections, then the packet path's flows (both are "the connection table" to ipvsadm). */
    static String list(ConnectionTable table, List<PacketPath.FlowRow> flows, NameResolver names, long now) {
        StringBuilder out = new StringBuilder("IPVS connection entries\n");
        out.append(String.format("pro expire %-11s %-18s %-18s %s\n", "state", "source", "virtual", "destination"));
        table.forEach(c -> out.append(row(c, now, names)));
        for (PacketPath.FlowRow f : flows) {
            out.append(row(f.protocol(), f.expiresInSeconds(), f.state(), f.client(), f.virtual(), f.destination(),
                    names));
        }
        return out.toString();
    }

    private static String row(Connection c, long now, NameResolver names) {
        return row(c.protocol(), c.expiresInSeconds(now), c.stateName(), c.client(), c.virtual(), c.destination(),
                names);
    }

    private static String row(Protocol protocol, long expires, String state, InetSocketAddress client,
                              InetSocketAddress virtual, InetSocketAddress destination, NameResolver names) {
        String expire = String.format("%02d:%02d", expires / 60, expires % 60);
        return String.format("%-3s %-6s %-11s %-18s %-18s %s\n", protocol.label(), expire, state,
                endpoint(client, protocol, names), endpoint(virtual, protocol, names),
                endpoint(destination, protocol, names));
    }

    private static String endpoint(InetSocketAddress address, Protocol protocol, NameResolver names) {
        String host = names.host(address.getAddress());
        if (address.getAddress() instanceof Inet6Address) host = "[" + host + "]";
        return host + ":" + names.port(address.getPort(), protocol);
    }
}

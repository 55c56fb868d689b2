package dev.jvs.director.conn;

import dev.jvs.director.net.AddressWords;
import dev.jvs.model.Protocol;

import java.net.InetSocketAddress;

/**
 * What the connection table is keyed by: protocol, client address:port, virtual address:port. An entry keeps
 * the same key flat ({@link Connection}); the hash is computed alike from either, so that a key finds its entry.
 */
public record ConnectionKey(Protocol protocol, InetSocketAddress client, InetSocketAddress virtual) {

    @Override
    public int hashCode() {
        byte[] address = client.getAddress().getAddress();
        return hash(protocol, address.length == 16, AddressWords.high(address), AddressWords.low(address),
                client.getPort(), virtual);
    }

    static int hash(Protocol protocol, boolean ipv6, long high, long low, int port, InetSocketAddress virtual) {
        int h = protocol.hashCode();
        h = 31 * h + (ipv6 ? Long.hashCode(high) * 31 + Long.hashCode(low) : (int) low);
        h = 31 * h + port;
        return 31 * h + virtual.hashCode();
    }
}

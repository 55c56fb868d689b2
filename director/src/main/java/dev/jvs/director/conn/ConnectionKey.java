package dev.jvs.director.conn;

import dev.jvs.model.Protocol;

import java.net.InetSocketAddress;

/** What the connection table is keyed by: protocol, client address:port, virtual address:port. */
public record ConnectionKey(Protocol protocol, InetSocketAddress client, InetSocketAddress virtual) {
}

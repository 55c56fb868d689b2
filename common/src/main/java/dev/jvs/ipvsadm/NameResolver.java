package dev.jvs.ipvsadm;

import dev.jvs.model.Protocol;

import java.net.InetAddress;

/** Turns addresses and ports into the text listings print (names, or numbers with {@code -n}). */
public interface NameResolver {

    /** A host name for the address, or its numeric form (without brackets for IPv6). */
    String host(InetAddress address);

    /** A services-database name for the port, or its decimal form; always numeric for a null (fwmark) protocol. */
    String port(int port, Protocol protocolOrNullForFwmark);
}

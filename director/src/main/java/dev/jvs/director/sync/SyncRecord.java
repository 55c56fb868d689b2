package dev.jvs.director.sync;

import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * One connection record as a sync message carries it (decoded on the backup). Ports and the timeout are
 * unsigned; a timeout of 0 (version 0 messages) means "the protocol's timeout for the state".
 *
 * @param protocol IP protocol number (6 TCP, 17 UDP, 132 SCTP, 0 for the kernel's fwmark templates)
 * @param flags    connection flags as sent (see {@link SyncWire})
 * @param state    the protocol's state number (TCP: the kernel's order, as {@code TcpState})
 */
public record SyncRecord(int protocol, int flags, int state, int clientPort, int virtualPort, int destinationPort,
                         int fwmark, long timeoutSeconds, InetAddress client, InetAddress virtual,
                         InetAddress destination) {

    public boolean template() {
        return (flags & SyncWire.FLAG_TEMPLATE) != 0;
    }

    public boolean inactive() {
        return (flags & SyncWire.FLAG_INACTIVE) != 0;
    }

    public boolean ipv6() {
        return client instanceof Inet6Address;
    }

    public int forwardMethodCode() {
        return flags & SyncWire.FLAG_FWD_MASK;
    }
}

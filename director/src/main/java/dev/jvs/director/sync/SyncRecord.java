package dev.jvs.director.sync;

import dev.jvs.director.conn.TcpState;

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

    private static final int UDP = 17;
    private static final long V0_TEMPLATE_TIMEOUT_SECONDS = 180;
    private static final long V0_UDP_TIMEOUT_SECONDS = 300;

    public boolean template() {
        return (flags & SyncWire.FLAG_TEMPLATE) != 0;
    }

    public boolean inactive() {
        return (flags & SyncWire.FLAG_INACTIVE) != 0;
    }

    public boolean ipv6() {
        return client instanceof Inet6Address;
    }

    /**
     * The timeout to install with: the record's, or for version 0 records (which carry none) the protocol's
     * timeout for the state, 3 minutes for templates, as in IPVS.
     */
    public long timeoutSecondsOrDefault() {
        if (timeoutSeconds > 0) return timeoutSeconds;
        if (template()) return V0_TEMPLATE_TIMEOUT_SECONDS;
        return protocol == UDP ? V0_UDP_TIMEOUT_SECONDS : TcpState.values()[state].defaultTimeoutSeconds();
    }

    public int forwardMethodCode() {
        return flags & SyncWire.FLAG_FWD_MASK;
    }
}

package dev.jvs.director.conn;

import dev.jvs.model.Protocol;

import java.net.InetSocketAddress;

/**
 * A connection (or persistence template) as the master sees it: what one sync record carries, plus the two
 * counters the kernel keeps per connection for sync decisions. Implemented by the connection table's entries and
 * by a view of the packet path's flows; neither needs to know the wire format. It lives with the connections, so
 * that the sync package depends on them and never the other way round.
 */
public interface SyncedConnection {

    Protocol protocol();

    InetSocketAddress client();

    InetSocketAddress virtual();

    /** The real server's address and the port actually used. */
    InetSocketAddress destination();

    /** Kernel connection flags: forwarding method, INACTIVE, TEMPLATE, ... (see {@link ConnFlags}). */
    int syncFlags();

    /** The kernel's state number (TCP: NONE 0, ESTABLISHED 1, ...; UDP and templates: 0). */
    int syncState();

    /** The connection's current timeout in seconds: per state, or a template's persistence timeout. */
    long timeoutSeconds();

    /** The firewall mark the connection was scheduled with; 0 if none. */
    default int fwmark() {
        return 0;
    }

    /** The persistence template controlling this connection, or null. */
    SyncedConnection controller();

    /**
     * Whether another director could carry this connection on, so its own record is worth sending. False for a
     * full-proxy (NAT) connection, whose sockets only exist here; its template is still synced.
     */
    boolean movable();

    /** Counts one incoming packet and returns the new count (the kernel's {@code in_pkts}). */
    int countPacketIn();

    /** The state last considered sent (the kernel's {@code old_state}). */
    int lastSyncedState();

    void lastSyncedState(int state);

    default boolean isTemplate() {
        return (syncFlags() & ConnFlags.TEMPLATE) != 0;
    }
}

package dev.jvs.director.sync;

import dev.jvs.director.conn.SyncedConnection;

/**
 * Where a data path reports its connections' traffic ("connections to announce"); the sync master decides what
 * goes on the wire. Cheap when no master runs: the NAT proxy calls it on every read.
 */
public interface ConnectionAnnouncer {

    /** Announces nothing: no master daemon runs. */
    ConnectionAnnouncer NONE = connection -> { };

    /**
     * A packet of {@code connection} was processed (the NAT proxy: a read from the client; the first is the
     * accept), after any state change it caused. Its controlling template follows it, as in IPVS.
     */
    void packetIn(SyncedConnection connection);
}

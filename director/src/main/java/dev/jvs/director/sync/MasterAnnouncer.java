package dev.jvs.director.sync;

import dev.jvs.director.conn.SyncedConnection;

/**
 * The one announcer the data paths hold for the director's whole life: it passes their connections on to the
 * master sync daemon while one runs ({@link SyncDaemons} switches it), and drops them otherwise. Made before the
 * data paths and the daemons, so each is given it when it is built.
 */
public final class MasterAnnouncer implements ConnectionAnnouncer {

    volatile ConnectionAnnouncer target = ConnectionAnnouncer.NONE;

    @Override
    public void packetIn(SyncedConnection connection) {
        target.packetIn(connection);
    }
}

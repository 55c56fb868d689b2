package dev.jvs.director.sync;

import dev.jvs.director.conn.SyncedConnection;
import dev.jvs.model.Protocol;

/**
 * When the master sends a connection's record (the kernel's decision with {@code sync_refresh_period} 0): TCP only
 * in ESTABLISHED, FIN_WAIT, CLOSE, CLOSE_WAIT and TIME_WAIT, a change to one of these other than ESTABLISHED at
 * once; otherwise on packet T and every P packets after ({@code sync_threshold} "T P"). Templates skip the
 * packet test: they follow each packet of the connections they control.
 */
public final class SendRules {

    // the kernel's TCP state numbers
    private static final int ESTABLISHED = 1;
    private static final int FIN_WAIT = 4;
    private static final int TIME_WAIT = 5;
    private static final int CLOSE = 6;
    private static final int CLOSE_WAIT = 7;
    private static final int SYNCED_TCP_STATES = 1 << ESTABLISHED | 1 << FIN_WAIT | 1 << TIME_WAIT | 1 << CLOSE
            | 1 << CLOSE_WAIT;

    private final int threshold;
    private final int period;

    public SendRules(int threshold, int period) {
        if (threshold < 0 || period < 0 || period > 0 && threshold >= period) {
            throw new IllegalArgumentException("sync_threshold " + threshold + " " + period);
        }
        this.threshold = threshold;
        this.period = period;
    }

    public static SendRules defaults() {
        return new SendRules(SyncWire.DEFAULT_THRESHOLD, SyncWire.DEFAULT_PERIOD);
    }

    /** The packet count a non-template controller is checked with (the kernel passes T). */
    int threshold() {
        return threshold;
    }

    /**
     * Whether to send {@code c} now, {@code packets} being its incoming packet count. Remembers the state as sent
     * when it says yes.
     */
    public boolean shouldSend(SyncedConnection c, int packets) {
        boolean template = c.isTemplate();
        if (!template && (c.syncFlags() & SyncWire.FLAG_ONE_PACKET) != 0) {
            return false; // one-packet connections are never synced (their template is)
        }
        int state = c.syncState();
        if (!template && c.protocol() == Protocol.TCP) {
            if ((SYNCED_TCP_STATES & (1 << state)) == 0) {
                return false;
            }
            if (state != c.lastSyncedState() && state != ESTABLISHED) {
                c.lastSyncedState(state); // closing states go out at once: the backup must age them quickly
                return true;
            }
        }
        if (period > 0) {
            if (!template && packets % period != threshold) {
                return false;
            }
        } else if (packets != threshold) {
            return false;
        }
        c.lastSyncedState(state);
        return true;
    }
}

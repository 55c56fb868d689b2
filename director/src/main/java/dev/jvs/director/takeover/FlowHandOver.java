package dev.jvs.director.takeover;

import dev.jvs.director.conn.SyncedConnection;
import dev.jvs.director.sync.ConnectionInstaller;
import dev.jvs.director.sync.SyncMessageReader;
import dev.jvs.director.sync.SyncMessageWriter;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.function.Consumer;

/**
 * The packet flows (DR/TUN) and persistence templates a director hands to its successor when it stops, in the
 * connection-sync encoding: version 1 sync messages one after the other (each header carries its size), read
 * back with the sync decoder and installed by the same installers a sync backup uses. Each flow keeps its real
 * server and state, each template its real server; their timeouts restart in the successor, as after a failover.
 */
public final class FlowHandOver {

    /** The largest message: the size field is 16 bits; the record count (8 bits) ends a message first anyway. */
    static final int MESSAGE_BYTES = 65_535;

    private FlowHandOver() {}

    /** Encodes every entry {@code source} gives its visitor. */
    public static byte[] encode(Consumer<Consumer<SyncedConnection>> source) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SyncMessageWriter writer = new SyncMessageWriter(MESSAGE_BYTES, 0);
        source.accept(c -> {
            if (!writer.add(c)) {
                flush(writer, out);
                writer.add(c);
            }
        });
        if (!writer.isEmpty()) flush(writer, out);
        return out.toByteArray();
    }

    private static void flush(SyncMessageWriter writer, ByteArrayOutputStream out) {
        ByteBuffer message = writer.finish();
        out.write(message.array(), message.arrayOffset() + message.position(), message.remaining());
        writer.reset();
    }

    /**
     * Hands every record of {@code data} to {@code installer}; returns how many records were read, or throws
     * when the data is not a sequence of sync messages.
     */
    public static int install(ByteBuffer data, ConnectionInstaller installer) {
        int[] records = {0};
        ByteBuffer all = data.slice();
        int at = 0;
        while (at < all.limit()) {
            if (at + 4 > all.limit()) throw new IllegalArgumentException("truncated flow hand-over at byte " + at);
            int size = all.getShort(at + 2) & 0xffff;
            if (size == 0 || at + size > all.limit()) {
                throw new IllegalArgumentException("bad flow hand-over message at byte " + at);
            }
            SyncMessageReader.Outcome outcome = SyncMessageReader.read(all.slice(at, size), 0, r -> {
                records[0]++;
                installer.install(r);
            });
            if (outcome != SyncMessageReader.Outcome.OK) {
                throw new IllegalArgumentException("flow hand-over message at byte " + at + ": " + outcome);
            }
            at += size;
        }
        return records[0];
    }
}

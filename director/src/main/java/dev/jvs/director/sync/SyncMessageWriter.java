package dev.jvs.director.sync;

import dev.jvs.director.conn.SyncedConnection;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;

/**
 * Builds one version 1 sync message in a buffer of {@code sync_maxlen} bytes, record by record, as the kernel
 * would send it. The buffer is reused for the next message: no allocation per record for IPv4.
 */
public final class SyncMessageWriter {

    private final ByteBuffer buffer; // big-endian, ByteBuffer's default
    private int syncId;
    private int count;

    /** @param maxLen sync_maxlen: the largest message (header included) this writer produces */
    public SyncMessageWriter(int maxLen, int syncId) {
        if (maxLen < SyncWire.HEADER_SIZE + SyncWire.RECORD_V4_SIZE) {
            throw new IllegalArgumentException("sync message length too small: " + maxLen);
        }
        this.buffer = ByteBuffer.allocate(maxLen);
        this.syncId = syncId;
        reset();
    }

    /** Starts an empty message. */
    public void reset() {
        buffer.clear();
        buffer.put((byte) 0)            // reserved: a v0 receiver reads 0 records
                .put((byte) syncId)
                .putShort((short) 0)    // size, set by finish()
                .put((byte) 0)          // record count, set by finish()
                .put((byte) SyncWire.VERSION)
                .putShort((short) 0);   // spare
        count = 0;
    }

    public int count() {
        return count;
    }

    public boolean isEmpty() {
        return count == 0;
    }

    /** Adds the connection's record; false, leaving the message unchanged, if it does not fit. */
    public boolean add(SyncedConnection c) {
        return add(c.protocol().number(), c.syncFlags(), c.syncState(), c.client().getPort(), c.virtual().getPort(),
                c.destination().getPort(), c.fwmark(), c.timeoutSeconds(), c.client().getAddress(),
                c.virtual().getAddress(), c.destination().getAddress());
    }

    /** Adds a record; false, leaving the message unchanged, if it does not fit. */
    public boolean add(SyncRecord r) {
        return add(r.protocol(), r.flags(), r.state(), r.clientPort(), r.virtualPort(), r.destinationPort(),
                r.fwmark(), r.timeoutSeconds(), r.client(), r.virtual(), r.destination());
    }

    boolean add(int protocol, int flags, int state, int clientPort, int virtualPort, int destinationPort,
                int fwmark, long timeoutSeconds, InetAddress client, InetAddress virtual, InetAddress destination) {
        boolean ipv6 = client instanceof Inet6Address;
        int size = ipv6 ? SyncWire.RECORD_V6_SIZE : SyncWire.RECORD_V4_SIZE;
        int start = SyncWire.aligned(buffer.position());
        if (count == SyncWire.MAX_RECORDS || start + size > buffer.capacity()) {
            return false;
        }
        while (buffer.position() < start) {
            buffer.put((byte) 0); // a record starts 32-bit aligned
        }
        buffer.put((byte) (ipv6 ? SyncWire.RECORD_TYPE_IPV6 : 0))
                .put((byte) protocol)
                .putShort((short) size) // version 0 in the top 4 bits
                .putInt(flags & SyncWire.SENT_FLAGS_MASK)
                .putShort((short) state)
                .putShort((short) clientPort)
                .putShort((short) virtualPort)
                .putShort((short) destinationPort)
                .putInt(fwmark)
                .putInt((int) timeoutSeconds);
        putAddress(client);
        putAddress(virtual);
        putAddress(destination);
        count++;
        return true;
    }

    /**
     * Completes the header and returns the message, ready to send (position 0, limit its size). The view shares
     * this writer's buffer: send it before the next {@link #reset}.
     */
    public ByteBuffer finish() {
        int size = buffer.position();
        buffer.putShort(2, (short) size).put(4, (byte) count);
        return buffer.duplicate().position(0).limit(size);
    }

    private void putAddress(InetAddress address) {
        if (address instanceof Inet4Address v4) {
            // OpenJDK's Inet4Address hash is the address itself; it saves getAddress()'s copy on the hot path
            // (SyncMessageWriterTest pins this).
            buffer.putInt(v4.hashCode());
        } else {
            buffer.put(address.getAddress());
        }
    }
}

package dev.jvs.director.sync;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.function.Consumer;

/**
 * Decodes a received sync message (version 1, or the legacy version 0) the way a kernel backup does: the header's
 * size must equal the datagram's length; a backup with a syncid other than 0 drops other syncids; a record with an
 * unknown protocol, state or mandatory option is skipped; a malformed record drops the rest of the message.
 */
public final class SyncMessageReader {

    private static final int TCP = 6;
    private static final int UDP = 17;
    private static final int SCTP = 132;
    private static final int SCTP_STATES = 14;

    private SyncMessageReader() {}

    /** Why a message, or the rest of it, was not used. */
    public enum Outcome { OK, TOO_SHORT, BAD_SIZE, OTHER_SYNCID, MALFORMED }

    /**
     * Hands every usable record of {@code message} (position to limit) to {@code sink}.
     *
     * @param acceptedSyncId the backup's syncid; 0 accepts every message
     */
    public static Outcome read(ByteBuffer message, int acceptedSyncId, Consumer<SyncRecord> sink) {
        ByteBuffer m = message.slice(); // absolute offsets from 0; big-endian
        int length = m.remaining();
        if (length < SyncWire.V0_HEADER_SIZE) return Outcome.TOO_SHORT;
        if ((m.getShort(2) & 0xffff) != length) return Outcome.BAD_SIZE;
        int syncId = m.get(1) & 0xff;
        if (acceptedSyncId != 0 && syncId != acceptedSyncId) return Outcome.OTHER_SYNCID;
        boolean v1 = length >= SyncWire.HEADER_SIZE && m.get(0) == 0 && m.get(5) == SyncWire.VERSION
                && m.getShort(6) == 0;
        return v1 ? readV1(m, sink) : readV0(m, sink);
    }

    private static Outcome readV1(ByteBuffer m, Consumer<SyncRecord> sink) {
        int records = m.get(4) & 0xff;
        int at = SyncWire.HEADER_SIZE;
        for (int i = 0; i < records; i++) {
            if (at + SyncWire.RECORD_V4_SIZE > m.limit()) return Outcome.MALFORMED;
            int verSize = m.getShort(at + 2) & 0xffff;
            int size = verSize & SyncWire.RECORD_SIZE_MASK;
            if (at + size > m.limit() || (verSize >>> 12) != 0) return Outcome.MALFORMED;
            boolean ipv6 = (m.get(at) & SyncWire.RECORD_TYPE_IPV6) != 0;
            int fixed = ipv6 ? SyncWire.RECORD_V6_SIZE : SyncWire.RECORD_V4_SIZE;
            if (size < fixed) return Outcome.MALFORMED;
            int options = checkOptions(m, at + fixed, at + size);
            if (options < 0) return Outcome.MALFORMED;
            if (options == 0) {
                SyncRecord r = recordV1(m, at, ipv6);
                if (acceptable(r)) sink.accept(r);
            }
            at += SyncWire.aligned(size);
        }
        return Outcome.OK;
    }

    /** @return 0 if usable, 1 if the record must be skipped (unknown mandatory option), -1 if malformed */
    private static int checkOptions(ByteBuffer m, int from, int end) {
        int seen = 0;
        int p = from;
        while (p < end) {
            if (p + 2 > end) return -1;
            int type = m.get(p) & 0xff;
            int length = m.get(p + 1) & 0xff;
            p += 2;
            if (length == 0 || p + length > end) return -1;
            int kind = type & ~SyncWire.OPTION_OPTIONAL;
            switch (kind) {
                case SyncWire.OPTION_SEQUENCE, SyncWire.OPTION_PE_DATA, SyncWire.OPTION_PE_NAME -> {
                    if ((seen & (1 << kind)) != 0) return -1; // each at most once
                    seen |= 1 << kind;
                    if (kind == SyncWire.OPTION_SEQUENCE && length != SyncWire.SEQUENCE_DATA_SIZE) return -1;
                    if (kind == SyncWire.OPTION_PE_NAME && length > SyncWire.PE_NAME_MAX) return -1;
                }
                default -> {
                    if ((type & SyncWire.OPTION_OPTIONAL) == 0) return 1;
                }
            }
            p += length;
        }
        return 0;
    }

    private static SyncRecord recordV1(ByteBuffer m, int at, boolean ipv6) {
        int addressSize = ipv6 ? 16 : 4;
        int addresses = at + 24;
        return new SyncRecord(m.get(at + 1) & 0xff, m.getInt(at + 4), m.getShort(at + 8) & 0xffff,
                m.getShort(at + 10) & 0xffff, m.getShort(at + 12) & 0xffff, m.getShort(at + 14) & 0xffff,
                m.getInt(at + 16), m.getInt(at + 20) & 0xffffffffL,
                address(m, addresses, addressSize), address(m, addresses + addressSize, addressSize),
                address(m, addresses + 2 * addressSize, addressSize));
    }

    /** v0: 24-byte IPv4 records, 16-bit flags and state, sequence data after a record with SEQ flags. */
    private static Outcome readV0(ByteBuffer m, Consumer<SyncRecord> sink) {
        int records = m.get(0) & 0xff;
        int at = SyncWire.V0_HEADER_SIZE;
        for (int i = 0; i < records; i++) {
            if (at + SyncWire.V0_RECORD_SIZE > m.limit()) return Outcome.MALFORMED;
            int flags = m.getShort(at + 20) & 0xffff;
            int size = SyncWire.V0_RECORD_SIZE
                    + ((flags & SyncWire.FLAG_SEQ_MASK) != 0 ? SyncWire.SEQUENCE_DATA_SIZE : 0);
            if (at + size > m.limit()) return Outcome.MALFORMED;
            SyncRecord r = new SyncRecord(m.get(at + 1) & 0xff, flags, m.getShort(at + 22) & 0xffff,
                    m.getShort(at + 2) & 0xffff, m.getShort(at + 4) & 0xffff, m.getShort(at + 6) & 0xffff,
                    0, 0, address(m, at + 8, 4), address(m, at + 12, 4), address(m, at + 16, 4));
            if (acceptable(r)) sink.accept(r);
            at += size;
        }
        return Outcome.OK;
    }

    /** The kernel skips records of protocols it does not know and states outside the protocol's range. */
    private static boolean acceptable(SyncRecord r) {
        if (r.template()) return r.state() < SyncWire.TEMPLATE_STATES;
        return switch (r.protocol()) {
            case TCP -> r.state() < SyncWire.TCP_STATES;
            case UDP -> r.state() < SyncWire.UDP_STATES;
            case SCTP -> r.state() < SCTP_STATES;
            default -> false;
        };
    }

    private static InetAddress address(ByteBuffer m, int at, int size) {
        byte[] b = new byte[size];
        m.get(at, b);
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // only for a wrong length
        }
    }
}

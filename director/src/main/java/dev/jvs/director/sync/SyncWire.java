package dev.jvs.director.sync;

import dev.jvs.director.conn.ConnFlags;

/**
 * Constants of the IPVS sync protocol (ip_vs_sync.c): message and record layouts, the connection flags a record
 * carries, option types. All multi-byte fields are big-endian.
 */
public final class SyncWire {

    private SyncWire() {}

    public static final int VERSION = 1;
    /** v1 header: reserved 0, syncid, size(2), record count, version, spare(2). */
    public static final int HEADER_SIZE = 8;
    /** v0 header: record count, syncid, size(2). */
    public static final int V0_HEADER_SIZE = 4;
    public static final int RECORD_V4_SIZE = 36;
    public static final int RECORD_V6_SIZE = 72;
    public static final int V0_RECORD_SIZE = 24;
    /** The record count is one byte. */
    public static final int MAX_RECORDS = 255;
    /** Low 12 bits of a record's ver_size are its size; the top 4 its version (0). */
    public static final int RECORD_SIZE_MASK = 0x0fff;
    public static final int RECORD_TYPE_IPV6 = 0x01;

    // Connection flags (uapi ip_vs.h)
    public static final int FLAG_FWD_MASK = 0x0007;
    public static final int FLAG_SYNC = 0x0020;
    public static final int FLAG_HASHED = 0x0040;
    public static final int FLAG_NOOUTPUT = 0x0080;
    public static final int FLAG_INACTIVE = ConnFlags.INACTIVE;
    public static final int FLAG_OUT_SEQ = 0x0200;
    public static final int FLAG_IN_SEQ = 0x0400;
    public static final int FLAG_SEQ_MASK = FLAG_OUT_SEQ | FLAG_IN_SEQ;
    public static final int FLAG_NO_CPORT = 0x0800;
    public static final int FLAG_TEMPLATE = ConnFlags.TEMPLATE;
    public static final int FLAG_ONE_PACKET = 0x2000;
    /** What a sender may put on the wire: bits 16 and up are local only, HASHED is table state. */
    public static final int SENT_FLAGS_MASK = 0xffff & ~FLAG_HASHED;
    /** What a backup keeps of a received record's flags (it adds SYNC itself). */
    public static final int BACKUP_FLAGS_MASK = FLAG_FWD_MASK | FLAG_NOOUTPUT | FLAG_INACTIVE | FLAG_SEQ_MASK
            | FLAG_NO_CPORT | FLAG_TEMPLATE;

    // Options after the fixed part of a v1 record: type(1) length(1) data
    public static final int OPTION_SEQUENCE = 1;
    public static final int OPTION_PE_DATA = 2;
    public static final int OPTION_PE_NAME = 3;
    /** An option type with this bit may be skipped by a receiver that does not know it. */
    public static final int OPTION_OPTIONAL = 0x40;
    /** in and out: init_seq, delta, previous_delta. */
    public static final int SEQUENCE_DATA_SIZE = 24;
    public static final int PE_DATA_MAX = 255;
    public static final int PE_NAME_MAX = 16;

    /** Templates' states: NONE and ASSURED. */
    public static final int TEMPLATE_STATES = 2;
    public static final int TCP_STATES = 11;
    public static final int UDP_STATES = 1;

    /** The kernel's default destination port and group. */
    public static final int DEFAULT_PORT = 8848;
    public static final String DEFAULT_GROUP = "224.0.0.81";
    public static final int DEFAULT_TTL = 1;

    /** sync_threshold defaults: send on packet T, then every P packets. */
    public static final int DEFAULT_THRESHOLD = 3;
    public static final int DEFAULT_PERIOD = 50;

    /** Rounds a record size up to the next 32-bit boundary, where the next record starts. */
    static int aligned(int size) {
        return (size + 3) & ~3;
    }
}

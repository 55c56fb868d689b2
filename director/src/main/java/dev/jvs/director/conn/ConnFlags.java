package dev.jvs.director.conn;

/** The kernel's connection flags (IP_VS_CONN_F_*) that a connection reports of itself; sync records carry them as they are. */
public final class ConnFlags {

    /** Not (or no longer) an established connection: counted as inactive. */
    public static final int INACTIVE = 0x0100;
    /** A persistence template, not a connection. */
    public static final int TEMPLATE = 0x1000;

    private ConnFlags() {
    }
}

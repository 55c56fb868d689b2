package dev.jvs.director.conn;

/** The event a TCP segment feeds to the state machine. */
public enum TcpEvent {
    SYN, FIN, ACK, RST;

    /** The kernel's priority RST > SYN > FIN > ACK; null when no flag is set (the machine then goes to CLOSE). */
    public static TcpEvent of(boolean syn, boolean fin, boolean ack, boolean rst) {
        if (rst) {
            return RST;
        }
        if (syn) {
            return SYN;
        }
        if (fin) {
            return FIN;
        }
        return ack ? ACK : null;
    }
}

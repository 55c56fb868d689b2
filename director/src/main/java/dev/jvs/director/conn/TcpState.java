package dev.jvs.director.conn;

import java.util.concurrent.TimeUnit;

/** IPVS TCP connection states, named as {@code ipvsadm -Lc} prints them, with the kernel's default timeouts. */
public enum TcpState {
    NONE(2),
    ESTABLISHED(900),
    SYN_SENT(120),
    SYN_RECV(60),
    FIN_WAIT(120),
    TIME_WAIT(120),
    CLOSE(10),
    CLOSE_WAIT(60),
    LAST_ACK(30),
    LISTEN(120),
    SYNACK(120);

    /**
     * The kernel's normal transition tables, [direction][event][current state], written as in the reference
     * (columns NO ES SS SR FW TW CL CW LA LI SA, rows syn fin ack rst).
     */
    private static final TcpState[][][] NEXT = {
            table("SR ES ES SR SR SR SR SR SR SR SR",
                  "CL CW SS TW TW TW CL CW LA LI TW",
                  "ES ES SS ES FW TW CL CW CL LI ES",
                  "CL CL CL SR CL CL CL CL LA LI SR"),
            table("SS ES SS SR SS SS SS SS SS LI SR",
                  "TW FW SS TW FW TW CL TW LA LI TW",
                  "ES ES SS ES FW TW CL CW LA ES ES",
                  "CL CL SS CL CL TW CL CL CL CL CL"),
            table("SR ES ES SR SR SR SR SR SR SR SR",
                  "CL FW SS TW FW TW CL CW LA LI TW",
                  "ES ES SS ES FW TW CL CW CL LI ES",
                  "CL CL CL SR CL CL CL CL LA LI CL"),
    };

    private final int defaultTimeoutSeconds;

    TcpState(int defaultTimeoutSeconds) {
        this.defaultTimeoutSeconds = defaultTimeoutSeconds;
    }

    /** The name shown in {@code ipvsadm -Lc}. */
    public String label() {
        return name();
    }

    public int defaultTimeoutSeconds() {
        return defaultTimeoutSeconds;
    }

    public long defaultTimeoutNanos() {
        return TimeUnit.SECONDS.toNanos(defaultTimeoutSeconds);
    }

    /** Counted in the server's activeconns (the pre-established states too, as since Linux 4.8). */
    public boolean isActive() {
        return this == ESTABLISHED || this == SYN_SENT || this == SYN_RECV || this == SYNACK;
    }

    /** The next state; a null event (segment without RST/SYN/FIN/ACK) leads to CLOSE. */
    public TcpState next(Direction direction, TcpEvent event) {
        if (event == null) {
            return CLOSE;
        }
        return NEXT[direction.ordinal()][event.ordinal()][ordinal()];
    }

    private static TcpState[][] table(String... rows) {
        TcpState[][] t = new TcpState[rows.length][];
        for (int e = 0; e < rows.length; e++) {
            String[] codes = rows[e].split(" ");
            t[e] = new TcpState[codes.length];
            for (int s = 0; s < codes.length; s++) {
                t[e][s] = byCode(codes[s]);
            }
        }
        return t;
    }

    private static TcpState byCode(String code) {
        return switch (code) {
            case "NO" -> NONE;
            case "ES" -> ESTABLISHED;
            case "SS" -> SYN_SENT;
            case "SR" -> SYN_RECV;
            case "FW" -> FIN_WAIT;
            case "TW" -> TIME_WAIT;
            case "CL" -> CLOSE;
            case "CW" -> CLOSE_WAIT;
            case "LA" -> LAST_ACK;
            case "LI" -> LISTEN;
            case "SA" -> SYNACK;
            default -> throw new IllegalArgumentException(code);
        };
    }
}

package dev.jvs.model;

/** How packets reach a real server; the codes are the kernel's IP_VS_CONN_F_FWD_MASK values. */
public enum ForwardMethod {
    MASQ(0, "Masq", "-m"),
    LOCAL(1, "Local", "-g"),
    TUNNEL(2, "Tunnel", "-i"),
    ROUTE(3, "Route", "-g");

    private final int code;
    private final String displayName;
    private final String saveSwitch;

    ForwardMethod(int code, String displayName, String saveSwitch) {
        this.code = code;
        this.displayName = displayName;
        this.saveSwitch = saveSwitch;
    }

    public int code() { return code; }

    /** Name in the Forward column of {@code ipvsadm -Ln}. */
    public String displayName() { return displayName; }

    /** Switch written by {@code ipvsadm -S} ({@code Local} saves as {@code -g}). */
    public String saveSwitch() { return saveSwitch; }

    /** True for the modes the packet path forwards (the director never proxies them). */
    public boolean isPacketMode() { return this != MASQ; }
}

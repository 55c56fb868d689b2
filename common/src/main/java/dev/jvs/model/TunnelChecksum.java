package dev.jvs.model;

/** Tunnel checksum option ({@code --tun-nocsum}, {@code --tun-csum}, {@code --tun-remcsum}). */
public enum TunnelChecksum {
    NOCSUM("--tun-nocsum", "-c"),
    CSUM("--tun-csum", "+c"),
    REMCSUM("--tun-remcsum", "r+c");

    private final String option;
    private final String infoText;

    TunnelChecksum(String option, String infoText) {
        this.option = option;
        this.infoText = infoText;
    }

    public String option() { return option; }

    /** The CSUM part of the {@code --tun-info} column. */
    public String infoText() { return infoText; }
}

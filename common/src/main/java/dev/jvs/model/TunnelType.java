package dev.jvs.model;

/** Encapsulation used for {@code -i} real servers ({@code --tun-type}). */
public enum TunnelType {
    IPIP, GUE, GRE;

    public String optionValue() { return name().toLowerCase(java.util.Locale.ROOT); }
}

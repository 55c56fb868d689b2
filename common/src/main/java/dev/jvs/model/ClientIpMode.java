package dev.jvs.model;

/**
 * How a NAT (full-proxy) real server learns the client's address. A JVS extension to ipvsadm's grammar,
 * set with long options only ({@code --proxy-protocol v1|v2}, {@code --transparent}).
 */
public enum ClientIpMode {
    /** The real server sees the director's address (plain proxy). */
    NONE,
    PROXY_V1,
    PROXY_V2,
    /** The director binds the outbound socket to the client's address (IP_TRANSPARENT). */
    TRANSPARENT
}

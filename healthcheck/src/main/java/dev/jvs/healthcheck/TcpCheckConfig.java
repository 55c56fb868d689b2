package dev.jvs.healthcheck;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The settings of a keepalived TCP_CHECK block.
 *
 * @param connectTo      {@code connect_ip} and {@code connect_port}: the address to connect to
 * @param bindTo         {@code bindto}: the local source address, if the check must leave from one
 * @param connectTimeout {@code connect_timeout}: how long to wait for the handshake to finish
 */
public record TcpCheckConfig(InetSocketAddress connectTo, Optional<InetAddress> bindTo, Duration connectTimeout) {

    public TcpCheckConfig {
        Objects.requireNonNull(connectTo, "connectTo");
        Objects.requireNonNull(bindTo, "bindTo");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        // connect_ip is an address, never a name: a check must not hang on DNS.
        if (connectTo.isUnresolved()) {
            throw new IllegalArgumentException("connect address must be an IP address, got " + connectTo);
        }
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("connect timeout must be positive, got " + connectTimeout);
        }
        if (connectTimeout.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("connect timeout is too long: " + connectTimeout);
        }
    }

    public static TcpCheckConfig of(InetSocketAddress connectTo, Duration connectTimeout) {
        return new TcpCheckConfig(connectTo, Optional.empty(), connectTimeout);
    }

    public TcpCheckConfig withBindTo(InetAddress source) {
        return new TcpCheckConfig(connectTo, Optional.of(source), connectTimeout);
    }
}

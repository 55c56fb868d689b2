package dev.jvs.director;

import dev.jvs.director.net.Transport;
import dev.jvs.os.PacketBackend;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.net.InetSocketAddress;

/**
 * picocli converters for the director's options: a bad value is refused by picocli before anything starts, with
 * the option named and exit status 2, instead of being checked by hand in the start-up code.
 */
final class OptionConverters {

    private OptionConverters() {
    }

    /** {@code --transport io_uring|epoll|nio}, refused when this host cannot run it. */
    static final class TransportName implements ITypeConverter<Transport> {
        @Override
        public Transport convert(String value) {
            try {
                return Transport.named(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** {@code --packet-backend af_packet|pcap}. */
    static final class BackendName implements ITypeConverter<PacketBackend> {
        @Override
        public PacketBackend convert(String value) {
            try {
                return PacketBackend.named(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** {@code --sync-peer}: an address, {@code ADDR:PORT} or {@code [IPv6]:PORT}; port 0 = the sync port. */
    static final class Peer implements ITypeConverter<InetSocketAddress> {
        @Override
        public InetSocketAddress convert(String value) {
            String host = value;
            int port = 0;
            int colon = value.lastIndexOf(':');
            boolean bracketed = value.startsWith("[");
            if (bracketed || colon >= 0 && colon == value.indexOf(':')) {
                int close = value.indexOf(']');
                String hostPart = bracketed ? value.substring(1, close < 0 ? value.length() : close) : value.substring(0, colon);
                String rest = bracketed ? (close < 0 ? "" : value.substring(close + 1)) : value.substring(colon);
                host = hostPart;
                if (rest.startsWith(":")) {
                    try {
                        port = Integer.parseInt(rest.substring(1));
                    } catch (NumberFormatException e) {
                        port = -1;
                    }
                } else if (!rest.isEmpty()) {
                    port = -1;
                }
            }
            if (port < 0 || port > 65535 || host.isEmpty()) {
                throw new TypeConversionException(value + ": expected ADDR, ADDR:PORT or [IPv6]:PORT");
            }
            try {
                return new InetSocketAddress(java.net.InetAddress.getByName(host), port);
            } catch (java.net.UnknownHostException e) {
                throw new TypeConversionException(value + ": unknown host");
            }
        }
    }

    /** {@code --conn-tab-bits}: 8..20, as IPVS's conn_tab_bits. */
    static final class ConnTabBits implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            int bits = Integer.parseInt(value);
            if (bits < 8 || bits > 20) throw new TypeConversionException("must be between 8 and 20");
            return bits;
        }
    }

    /** A positive number of milliseconds ({@code --connect-timeout}). */
    static final class PositiveMillis implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            int millis = Integer.parseInt(value);
            if (millis <= 0) throw new TypeConversionException("must be a positive number of milliseconds");
            return millis;
        }
    }

    /** {@code --metrics-listen ADDR:PORT} or {@code [IPv6]:PORT}. */
    static final class MetricsListen implements ITypeConverter<InetSocketAddress> {
        @Override
        public InetSocketAddress convert(String value) {
            try {
                return dev.jvs.director.metrics.MetricsServer.parseListen(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** A whole number of at least 1 ({@code --announce-quorum}). */
    static final class AtLeastOne implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            int n = Integer.parseInt(value);
            if (n < 1) throw new TypeConversionException("must be at least 1");
            return n;
        }
    }

    /** A whole number of at least 0 ({@code --drain-delay}). */
    static final class NotNegative implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            int n = Integer.parseInt(value);
            if (n < 0) throw new TypeConversionException("must be at least 0");
            return n;
        }
    }
}

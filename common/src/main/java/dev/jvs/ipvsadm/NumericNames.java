package dev.jvs.ipvsadm;

import dev.jvs.model.Protocol;

import java.net.InetAddress;

/** The {@code -n} forms: dotted IPv4, {@code inet_ntop} IPv6, decimal ports. */
public final class NumericNames implements NameResolver {

    public static final NumericNames INSTANCE = new NumericNames();

    private NumericNames() {
    }

    @Override
    public String host(InetAddress address) { return InetText.format(address); }

    @Override
    public String port(int port, Protocol protocolOrNullForFwmark) { return Integer.toString(port); }
}

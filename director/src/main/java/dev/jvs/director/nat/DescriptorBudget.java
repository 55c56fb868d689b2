package dev.jvs.director.nat;

import dev.jvs.director.net.Transport;
import dev.jvs.director.rules.ListenerBudget;
import dev.jvs.model.IpvsadmException;
import dev.jvs.model.Protocol;
import dev.jvs.model.ServiceKey;

/**
 * The NAT listeners' share of the director's open-file limit ({@code RLIMIT_NOFILE}): their listening sockets may
 * take at most half of it. The other half stays for what the listeners are for — proxied connections, two
 * descriptors each (client and real server) — and for the JVM's own files, the control socket, health checks and
 * the packet path. A TCP service listens on one socket per worker event loop ({@code SO_REUSEPORT}; one with NIO),
 * a UDP service on one.
 */
public final class DescriptorBudget implements ListenerBudget {

    private final long openFileLimit;
    private final int tcpSockets;

    /** @param workerLoops the data-path event loops ({@code --threads}) */
    public DescriptorBudget(long openFileLimit, Transport transport, int workerLoops) {
        this.openFileLimit = openFileLimit;
        this.tcpSockets = TcpListener.reusePortOption(transport) == null ? 1 : Math.max(1, workerLoops);
    }

    @Override
    public int sockets(ServiceKey key, int servers, boolean allMasquerading) {
        if (!NatProxy.proxies(key, servers, allMasquerading)) return 0;
        return key.protocol() == Protocol.TCP ? tcpSockets : 1;
    }

    @Override
    public long allowed() {
        return openFileLimit / 2;
    }

    @Override
    public IpvsadmException refusal(long sockets) {
        return IpvsadmException.kernel("Too many open files: the NAT listeners of this table would need " + sockets
                + " sockets, over the director's budget of " + allowed() + " (half its open-file limit of "
                + openFileLimit + "; a TCP service takes " + tcpSockets
                + (tcpSockets == 1 ? ")" : ", one per event loop)")
                + "; raise the limit (LimitNOFILE, ulimit -n)" + (tcpSockets == 1 ? "" : " or lower --threads"));
    }

    /** For the start-up log line. */
    @Override
    public String toString() {
        return "open-file limit " + openFileLimit + ": NAT listeners may take " + allowed()
                + " sockets (a TCP service " + tcpSockets + ", a UDP service 1)";
    }
}

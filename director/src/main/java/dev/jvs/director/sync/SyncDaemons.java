package dev.jvs.director.sync;

import dev.jvs.model.IpvsadmException;
import dev.jvs.model.SyncDaemonConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The connection-sync daemons started with {@code ipvsadm --start-daemon master|backup}, with the settings
 * the kernel fills in (group 224.0.0.81, port 8848, TTL 1, message length from the interface MTU), shown by
 * {@code ipvsadm -L --daemon}. This release records and lists them; sending and receiving sync messages comes
 * with director failover, and the director says so when one is started.
 */
public final class SyncDaemons {

    private static final Logger log = LoggerFactory.getLogger(SyncDaemons.class);

    static final String DEFAULT_GROUP = "224.0.0.81";
    static final int DEFAULT_PORT = 8848;
    static final int DEFAULT_TTL = 1;

    private SyncDaemonConfig master; // guarded by this
    private SyncDaemonConfig backup; // guarded by this

    /** Checks a start/stop request against the current state without changing anything. */
    public synchronized void check(SyncDaemonConfig request, boolean start) throws IpvsadmException {
        SyncDaemonConfig current = isMaster(request) ? master : backup;
        if (start && current != null) throw IpvsadmException.kernel("Daemon has already run");
        if (!start && current == null) throw IpvsadmException.kernel("No daemon is running");
        if (start) complete(request);
    }

    public synchronized void start(SyncDaemonConfig request) throws IpvsadmException {
        check(request, true);
        SyncDaemonConfig running = complete(request);
        if (isMaster(request)) master = running; else backup = running;
        log.warn("{} sync daemon recorded (mcast={}, syncid={}); this JVS release does not send or receive "
                + "connection sync messages yet", running.state(), running.mcastInterface(), running.syncId());
    }

    public synchronized void stop(SyncDaemonConfig request) throws IpvsadmException {
        check(request, false);
        if (isMaster(request)) master = null; else backup = null;
    }

    /** {@code ipvsadm -L --daemon}: master first, then backup; nothing when none runs. */
    public synchronized String listing() {
        StringBuilder out = new StringBuilder();
        for (SyncDaemonConfig d : running()) {
            out.append(d.state()).append(" sync daemon (mcast=").append(d.mcastInterface())
                    .append(", syncid=").append(d.syncId())
                    .append(", maxlen=").append(d.maxLen())
                    .append(", group=").append(d.group())
                    .append(", port=").append(d.port())
                    .append(", ttl=").append(d.ttl()).append(")\n");
        }
        return out.toString();
    }

    /** The running daemons as ipvsadm lines, for the state file. */
    public synchronized List<String> restoreLines() {
        List<String> lines = new ArrayList<>();
        for (SyncDaemonConfig d : running()) {
            lines.add("--start-daemon " + d.state() + " --mcast-interface " + d.mcastInterface()
                    + " --syncid " + d.syncId() + " --sync-maxlen " + d.maxLen() + " --mcast-group " + d.group()
                    + " --mcast-port " + d.port() + " --mcast-ttl " + d.ttl());
        }
        return lines;
    }

    private List<SyncDaemonConfig> running() {
        List<SyncDaemonConfig> list = new ArrayList<>(2);
        if (master != null) list.add(master);
        if (backup != null) list.add(backup);
        return list;
    }

    private static boolean isMaster(SyncDaemonConfig request) {
        return "master".equals(request.state());
    }

    /** The request with the kernel's defaults; the interface must exist (the kernel says ENODEV otherwise). */
    static SyncDaemonConfig complete(SyncDaemonConfig r) throws IpvsadmException {
        NetworkInterface nic;
        try {
            nic = NetworkInterface.getByName(r.mcastInterface());
        } catch (SocketException e) {
            nic = null;
        }
        if (nic == null) throw IpvsadmException.kernel("No such device");
        String group = r.group() != null ? r.group() : DEFAULT_GROUP;
        boolean ipv6;
        try {
            ipv6 = InetAddress.getByName(group) instanceof Inet6Address;
        } catch (UnknownHostException e) {
            throw IpvsadmException.kernel("Invalid argument");
        }
        int maxLen = r.maxLen();
        if (maxLen == 0) {
            int mtu;
            try {
                mtu = Math.min(nic.getMTU(), 1500);
            } catch (SocketException e) {
                mtu = 1500;
            }
            maxLen = mtu - (ipv6 ? 48 : 28); // IP + UDP headers
        }
        return new SyncDaemonConfig(r.state(), r.mcastInterface(), r.syncId(), maxLen, group,
                r.port() != 0 ? r.port() : DEFAULT_PORT, r.ttl() != 0 ? r.ttl() : DEFAULT_TTL);
    }
}

package dev.jvs.director.sync;

import dev.jvs.model.IpvsadmException;
import dev.jvs.model.SyncDaemonConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The connection-sync daemons started with {@code ipvsadm --start-daemon master|backup}, with the settings
 * the kernel fills in (group 224.0.0.81, port 8848, TTL 1, message length from the interface MTU), shown by
 * {@code ipvsadm -L --daemon}. A master and a backup may run together, as in IPVS.
 *
 * <p>Data paths announce through {@link #announcer()}, which stays the same object while masters come and go;
 * a backup installs what it receives through the installers given here.
 */
public final class SyncDaemons implements SyncDaemonControl, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SyncDaemons.class);

    static final String DEFAULT_GROUP = SyncWire.DEFAULT_GROUP;
    static final int DEFAULT_PORT = SyncWire.DEFAULT_PORT;
    static final int DEFAULT_TTL = SyncWire.DEFAULT_TTL;

    private final List<ConnectionInstaller> installers;
    private final List<InetSocketAddress> peers;
    private final LongSupplier clock;
    private final MasterAnnouncer announcer;
    private final SyncCounters counters = new SyncCounters();

    private SyncDaemonConfig master; // guarded by this
    private SyncDaemonConfig backup; // guarded by this
    private SyncMaster masterDaemon; // guarded by this
    private SyncBackup backupDaemon; // guarded by this

    /**
     * @param installers where a backup installs records, asked in order (the connection table's last)
     * @param peers      unicast peers the master also sends to; port 0 = the daemon's sync port
     */
    public SyncDaemons(List<ConnectionInstaller> installers, List<InetSocketAddress> peers, LongSupplier clock) {
        this(new MasterAnnouncer(), installers, peers, clock);
    }

    /** @param announcer what the data paths were given; it follows the master daemon from now on */
    public SyncDaemons(MasterAnnouncer announcer, List<ConnectionInstaller> installers, List<InetSocketAddress> peers,
                       LongSupplier clock) {
        this.announcer = announcer;
        this.installers = List.copyOf(installers);
        this.peers = List.copyOf(peers);
        this.clock = clock;
    }

    /** Messages sent, received and dropped by every daemon since start (metrics). */
    public SyncCounters counters() {
        return counters;
    }

    /** Where data paths report their connections; a no-op while no master runs. */
    public ConnectionAnnouncer announcer() {
        return announcer;
    }

    /** Checks a start/stop request against the current state without changing anything. */
    public synchronized void check(SyncDaemonConfig request, boolean start) throws IpvsadmException {
        SyncDaemonConfig current = isMaster(request) ? master : backup;
        if (start && current != null) throw IpvsadmException.kernel("Daemon has already run");
        if (!start && current == null) throw IpvsadmException.kernel("No daemon is running");
        if (start) complete(request);
    }

    @Override
    public synchronized void start(SyncDaemonConfig request) throws IpvsadmException {
        check(request, true);
        SyncDaemonConfig running = complete(request);
        NetworkInterface nic = interfaceOf(running);
        InetSocketAddress group = new InetSocketAddress(parseGroup(running.group()), running.port());
        try {
            if (isMaster(request)) {
                List<InetSocketAddress> targets = new ArrayList<>();
                for (InetSocketAddress peer : peers) {
                    targets.add(peer.getPort() != 0 ? peer : new InetSocketAddress(peer.getAddress(), running.port()));
                }
                masterDaemon = new SyncMaster(nic, group, running.ttl(), targets, running.maxLen(), running.syncId(),
                        SendRules.defaults(), clock);
                masterDaemon.countInto(counters);
                master = running;
                announcer.target = masterDaemon;
                log.info("master sync daemon started (mcast={}, syncid={}, maxlen={}, group={}, port={}, ttl={}{})",
                        running.mcastInterface(), running.syncId(), running.maxLen(), running.group(), running.port(),
                        running.ttl(), targets.isEmpty() ? "" : ", peers=" + targets);
            } else {
                backupDaemon = new SyncBackup(nic, group, running.syncId(), installers);
                backupDaemon.countInto(counters);
                backup = running;
                log.info("backup sync daemon started (mcast={}, syncid={}, group={}, port={}; unicast accepted too)",
                        running.mcastInterface(), running.syncId(), running.group(), running.port());
            }
        } catch (IOException e) {
            log.error("cannot start the {} sync daemon: {}", running.state(), e.toString());
            throw IpvsadmException.kernel(e.getMessage() != null ? e.getMessage() : e.toString());
        }
    }

    @Override
    public synchronized void stop(SyncDaemonConfig request) throws IpvsadmException {
        check(request, false);
        if (isMaster(request)) {
            announcer.target = ConnectionAnnouncer.NONE;
            masterDaemon.close();
            masterDaemon = null;
            master = null;
        } else {
            backupDaemon.close();
            backupDaemon = null;
            backup = null;
        }
        log.info("{} sync daemon stopped", request.state());
    }

    /** Stops whatever runs (director shutdown). */
    @Override
    public synchronized void close() {
        announcer.target = ConnectionAnnouncer.NONE;
        if (masterDaemon != null) masterDaemon.close();
        if (backupDaemon != null) backupDaemon.close();
        masterDaemon = null;
        backupDaemon = null;
        master = null;
        backup = null;
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

    private static NetworkInterface interfaceOf(SyncDaemonConfig config) throws IpvsadmException {
        try {
            NetworkInterface nic = NetworkInterface.getByName(config.mcastInterface());
            if (nic != null) return nic;
        } catch (SocketException e) {
            // as missing
        }
        throw IpvsadmException.kernel("No such device");
    }

    private static InetAddress parseGroup(String group) throws IpvsadmException {
        try {
            return InetAddress.getByName(group);
        } catch (UnknownHostException e) {
            throw IpvsadmException.kernel("Invalid argument");
        }
    }

    /** Forwards to the running master; the NAT proxy holds this one object for its whole life. */
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

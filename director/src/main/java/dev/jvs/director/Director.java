package dev.jvs.director;

import dev.jvs.control.ControlSocket;
import dev.jvs.director.conn.ConnectionTable;
import dev.jvs.director.conn.Scheduling;
import dev.jvs.director.sched.Schedulers;
import dev.jvs.director.control.CommandExecutor;
import dev.jvs.director.control.ControlServer;
import dev.jvs.director.control.StateFile;
import dev.jvs.director.demo.DemoBackends;
import dev.jvs.director.health.HealthChecks;
import dev.jvs.director.nat.ConnectPolicy;
import dev.jvs.director.nat.ConnectionLimits;
import dev.jvs.director.nat.NatProxy;
import dev.jvs.director.packet.PacketPath;
import dev.jvs.os.Firewall;
import dev.jvs.os.Neighbours;
import dev.jvs.os.PacketBackend;
import dev.jvs.os.RouteNetlink;
import dev.jvs.os.Privileges;
import dev.jvs.os.Routing;
import dev.jvs.director.net.Transport;
import dev.jvs.director.rules.RuleTable;
import dev.jvs.director.sync.SyncDaemons;
import dev.jvs.director.sync.TableInstaller;
import dev.jvs.healthcheck.config.ConfigException;
import dev.jvs.healthcheck.config.KeepalivedConfig;
import dev.jvs.director.vrrp.LvsSyncDaemonRole;
import dev.jvs.director.vrrp.VrrpConfig;
import dev.jvs.director.vrrp.VrrpConfigParser;
import dev.jvs.director.vrrp.VrrpService;
import dev.jvs.model.IpvsadmException;
import io.netty.channel.EventLoopGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.LongSupplier;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** {@code jvs-director}: the long-running daemon that owns the rule table and the data paths. */
@Command(name = "jvs-director", mixinStandardHelpOptions = true, version = "jvs-director 0.1.0",
        description = "JVS director: LVS-style virtual services in user space, managed with ipvsadm.")
public final class Director implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(Director.class);

    static final InetSocketAddress DEMO_VIP = new InetSocketAddress("127.0.0.1", 8080);
    static final List<InetSocketAddress> DEMO_BACKENDS = List.of(
            new InetSocketAddress("127.0.0.1", 9001), new InetSocketAddress("127.0.0.1", 9002));

    @Option(names = "--socket", paramLabel = "PATH",
            description = "Control socket (default: $JVS_SOCKET, else /run/jvs/jvs.sock as root, else $XDG_RUNTIME_DIR/jvs.sock or /tmp/jvs-$UID.sock).")
    Path socket;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Rules in ipvsadm-save/restore syntax, applied as one atomic batch at start.")
    Path config;

    @Option(names = "--state", paramLabel = "FILE",
            description = "Save the table here after every change; at start an existing state file wins over --config.")
    Path state;

    @Option(names = "--vrrp-conf", paramLabel = "FILE",
            description = "Run only VRRP (failover of VIPs between directors) from the vrrp_instance, vrrp_script, vrrp_sync_group and global_defs blocks of this keepalived.conf; its virtual servers are ignored. Not with --keepalived-conf, which runs VRRP too.")
    Path vrrpConf;

    @Option(names = "--demo", description = "Start a demo service on 127.0.0.1:8080 (rr) with two built-in HTTP backends.")
    boolean demo;

    @Option(names = "--transport", paramLabel = "io_uring|epoll|nio",
            description = "Network transport (default: the best available, io_uring, then epoll, then nio).")
    String transport;

    @Option(names = "--conn-tab-bits", paramLabel = "BITS", defaultValue = "12",
            description = "Connection table size as a power of two, 8..20, like IPVS's conn_tab_bits (default: ${DEFAULT-VALUE}).")
    int connTabBits;

    @Option(names = "--max-connections", paramLabel = "N", defaultValue = "0",
            description = "At most N concurrent proxied connections in all; clients beyond it are refused (default: no limit).")
    int maxConnections;

    @Option(names = "--keepalived-conf", paramLabel = "FILE",
            description = "Virtual servers, health checks and, when it has vrrp_instance blocks, VRRP from one keepalived.conf; SIGHUP re-reads the virtual servers and applies the difference.")
    Path keepalivedConf;

    @Option(names = "--config-test",
            description = "With --keepalived-conf: check the file (virtual servers, checks and VRRP) like keepalived -t, print every message and exit (0 = clean).")
    boolean configTest;

    @Option(names = "--connect-timeout", paramLabel = "MS", defaultValue = "" + ConnectPolicy.DEFAULT_CONNECT_TIMEOUT_MILLIS,
            description = "NAT: how long to wait for a real server to accept a connection (default: ${DEFAULT-VALUE}).")
    int connectTimeout;

    @Option(names = "--no-redispatch",
            description = "NAT: do not retry a refused or timed-out connect on another real server.")
    boolean noRedispatch;

    @Option(names = "--interface", paramLabel = "IF",
            description = "Receive and send direct-routing/tunnel traffic on IF (repeatable; default: every interface"
                    + " that is up, plus the one that routes to each -g/-i real server).")
    List<String> interfaces = new ArrayList<>();

    @Option(names = "--packet-backend", paramLabel = "af_packet|pcap", defaultValue = "af_packet",
            description = "Raw frame I/O for -g/-i services: af_packet (memory-mapped rings, default) or pcap (libpcap).")
    String packetBackend;

    @Option(names = "--packet-threads", paramLabel = "N",
            description = "Forwarding threads of the -g/-i packet path, sharing the traffic by flow (default: one per"
                    + " CPU; 1 with pcap).")
    Integer packetThreads;

    @Option(names = "--max-flows", paramLabel = "N", defaultValue = "262144",
            description = "At most N packet flows (-g/-i) tracked at once; new flows beyond it are dropped and counted"
                    + " (default: ${DEFAULT-VALUE}).")
    int maxFlows;

    @Option(names = "--threads", paramLabel = "N", description = "Data-path event loops (default: number of CPUs).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--sched-seed", paramLabel = "N",
            description = "Seed the twos scheduler's random draws so a run can be replayed (default: unseeded, like the kernel).")
    Long schedSeed;

    @Option(names = "--expire-nodest-conn",
            description = "Like the expire_nodest_conn sysctl: drop, and close, connections whose real server was deleted (default: off, they drain).")
    boolean expireNodestConn;

    @Option(names = "--expire-quiescent-template",
            description = "Like the expire_quiescent_template sysctl: a persistence template to a weight-0 server is dropped and the client rescheduled (default: off).")
    boolean expireQuiescentTemplate;

    @Option(names = "--sync-peer", paramLabel = "ADDR[:PORT]",
            description = "Connection sync without multicast: the master sync daemon also sends to this director (repeatable; default port: the daemon's --mcast-port). A backup always accepts unicast on its sync port.")
    List<String> syncPeers = new ArrayList<>();

    private final CountDownLatch stop = new CountDownLatch(1);

    public static void main(String[] args) {
        int status = new CommandLine(new Director()).execute(args);
        System.exit(status);
    }

    @Override
    public Integer call() throws Exception {
        if (keepalivedConf != null && vrrpConf != null) {
            System.err.println("jvs-director: give --keepalived-conf (virtual servers, checks and VRRP from one file)"
                    + " or --vrrp-conf (VRRP only), not both");
            return 2;
        }
        if (configTest) {
            if (keepalivedConf == null) {
                System.err.println("jvs-director: --config-test needs --keepalived-conf FILE");
                return 2;
            }
            return HealthChecks.configTest(keepalivedConf, System.err);
        }
        if (connectTimeout <= 0) {
            System.err.println("jvs-director: --connect-timeout must be a positive number of milliseconds");
            return 2;
        }
        if (connTabBits < 8 || connTabBits > 20) {
            System.err.println("jvs-director: --conn-tab-bits must be between 8 and 20");
            return 2;
        }
        Transport net;
        try {
            net = transport == null ? Transport.best() : Transport.named(transport);
        } catch (IllegalArgumentException e) {
            System.err.println("jvs-director: " + e.getMessage());
            return 2;
        }
        PacketBackend backend;
        try {
            backend = PacketBackend.named(packetBackend);
        } catch (IllegalArgumentException e) {
            System.err.println("jvs-director: " + e.getMessage());
            return 2;
        }
        LongSupplier clock = System::nanoTime;
        Schedulers schedulers = new Schedulers(clock,
                schedSeed == null ? OptionalLong.empty() : OptionalLong.of(schedSeed));
        RuleTable rules = new RuleTable(clock, schedulers);
        ConnectionTable connections = new ConnectionTable(connTabBits, rules::timeouts);
        connections.expireNodestConn(expireNodestConn);
        Scheduling scheduling = new Scheduling(connections, clock);
        scheduling.expireQuiescentTemplate(expireQuiescentTemplate);
        List<InetSocketAddress> peers;
        try {
            peers = parsePeers(syncPeers);
        } catch (IllegalArgumentException e) {
            System.err.println("jvs-director: " + e.getMessage());
            return 2;
        }
        // Route and neighbour lookups over netlink; iproute2 and /proc only where netlink cannot be opened.
        RouteNetlink netlink = RouteNetlink.openOrNull();
        PacketPath packets = new PacketPath(rules, scheduling,
                new PacketPath.Settings(PacketPath.distinct(interfaces), backend, Math.max(1, maxFlows),
                        packetThreads != null ? Math.max(1, packetThreads)
                                : backend == PacketBackend.PCAP ? 1 : Runtime.getRuntime().availableProcessors()),
                netlink != null ? netlink : Routing.kernel(), netlink != null ? netlink : Neighbours.kernel(),
                Firewall.nftables("jvs"), missingPacketPrivileges());
        // A backup offers each record to the packet path first (DR/TUN flows), then to the connection table.
        SyncDaemons sync = new SyncDaemons(List.of(packets.installer(), new TableInstaller(rules, connections, clock)),
                peers, clock);
        CommandExecutor executor = new CommandExecutor(rules, connections, sync);

        // Rules first, before anything listens: a bad file stops start-up with the line and the reason.
        StateFile stateFile = state == null ? null : new StateFile(state);
        try {
            if (stateFile != null && stateFile.exists() && keepalivedConf != null) {
                // The keepalived file owns its services: restoring them too would add them twice.
                log.info("--keepalived-conf given: state file {} is written but not restored", stateFile.path());
            } else if (stateFile != null && stateFile.exists()) {
                executor.restore(Files.readString(stateFile.path()));
                log.info("loaded rules from state file {}", stateFile.path());
            } else if (config != null) {
                executor.restore(Files.readString(config));
                log.info("loaded rules from config file {}", config.toAbsolutePath());
            }
        } catch (IpvsadmException e) {
            Path source = stateFile != null && stateFile.exists() && keepalivedConf == null ? stateFile.path() : config;
            System.err.println("jvs-director: " + source + ": " + e.getMessage());
            return 1;
        } catch (IOException e) {
            System.err.println("jvs-director: cannot read " + e.getMessage());
            return 1;
        }

        // Read once, before anything listens: the same tree feeds the health checks and VRRP.
        KeepalivedConfig keepalived = null;
        VrrpConfig vrrpConfig = null;
        Path configFile = keepalivedConf != null ? keepalivedConf : vrrpConf;
        try {
            if (keepalivedConf != null) {
                keepalived = KeepalivedConfig.loadValid(keepalivedConf);
                vrrpConfig = VrrpConfigParser.parse(keepalived).orElse(null);
            } else if (vrrpConf != null) {
                vrrpConfig = VrrpConfigParser.load(vrrpConf);
            }
        } catch (ConfigException e) {
            System.err.println("jvs-director: " + configFile + " has errors:\n" + e.getMessage());
            return 1;
        }

        log.info("transport {}", net.optionName());
        EventLoopGroup acceptors = net.newGroup(1);
        EventLoopGroup workers = net.newGroup(threads);
        NatProxy nat = new NatProxy(net, acceptors, workers, rules, connections, scheduling,
                new ConnectionLimits(maxConnections));
        executor.packetFlows(packets::flows);
        DemoBackends demoBackends = null;
        ControlServer control = null;
        HealthChecks health = null;
        VrrpService vrrp = null;
        try {
            nat.announcer(sync.announcer());
            packets.announcer(sync.announcer());
            rules.addListener(nat);
            rules.addListener(packets);
            nat.rulesChanged(rules.services());
            if (keepalived != null) health = HealthChecks.start(keepalived, executor);
            HealthChecks checks = health;
            nat.connectPolicy(new ConnectPolicy(connectTimeout, !noRedispatch, checks == null
                    ? ConnectPolicy.DEFAULT.failures() : checks::connectFailed));
            if (checks != null) {
                // Off the signal thread: a reload waits for the engine.
                Signal.handle(new Signal("HUP"), sig -> new Thread(checks::reload, "jvs-reload").start());
            }
            packets.rulesChanged(rules.services());
            if (stateFile != null) {
                executor.onChange(() -> saveState(stateFile, executor));
                saveState(stateFile, executor);
            }
            workers.next().scheduleAtFixedRate(() -> connections.expire(System.nanoTime()), 1, 1, TimeUnit.SECONDS);
            workers.next().scheduleAtFixedRate(rules::estimateRates, 2, 2, TimeUnit.SECONDS);
            // Deleted real servers wait in the trash while connections use them; free them when idle (IPVS: 120 s).
            workers.next().scheduleAtFixedRate(rules::reclaimTrashNow, 60, 60, TimeUnit.SECONDS);

            if (demo) {
                demoBackends = new DemoBackends(workers, net.serverChannel(), DEMO_BACKENDS);
                executor.restore(demoRules());
            }
            control = new ControlServer(socket != null ? socket : ControlSocket.defaultPath(), executor);
            control.start();
            if (demo) printDemoHelp(control.path());

            if (vrrpConfig != null) {
                vrrp = VrrpService.system(vrrpConfig);
                // lvs_sync_daemon: the sync role follows its instance's state from the first transition on.
                if (vrrpConfig.globals().lvsSyncDaemon() != null) LvsSyncDaemonRole.follow(vrrp, vrrpConfig, sync);
                vrrp.start();
            }
            Signal.handle(new Signal("TERM"), sig -> stop.countDown());
            Signal.handle(new Signal("INT"), sig -> stop.countDown());
            log.info("jvs-director ready");
            stop.await();
            log.info("shutting down");
            return 0;
        } catch (IpvsadmException e) {
            System.err.println("jvs-director: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            System.err.println("jvs-director: " + e.getMessage());
            return 1;
        } finally {
            // VRRP first: a master hands over (priority 0) and drops its VIPs before anything else stops.
            if (vrrp != null) vrrp.close();
            if (health != null) health.close();
            sync.close();
            if (control != null) control.close();
            nat.close();
            packets.close();
            if (demoBackends != null) demoBackends.close();
            acceptors.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** Null when raw frames and nftables are allowed, else the reason, for the one log line. */
    private static String missingPacketPrivileges() {
        if (!Privileges.has(Privileges.CAP_NET_RAW)) {
            return "the director lacks CAP_NET_RAW (run it as root or grant CAP_NET_RAW and CAP_NET_ADMIN)";
        }
        if (!Privileges.has(Privileges.CAP_NET_ADMIN)) {
            return "the director lacks CAP_NET_ADMIN (needed to keep the local stack off the VIP with nftables)";
        }
        return null;
    }

    /** {@code --sync-peer} values: an address, {@code ADDR:PORT} or {@code [IPv6]:PORT}; port 0 = the sync port. */
    static List<InetSocketAddress> parsePeers(List<String> values) {
        List<InetSocketAddress> peers = new ArrayList<>();
        for (String value : values) {
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
                throw new IllegalArgumentException("--sync-peer " + value + ": expected ADDR, ADDR:PORT or [IPv6]:PORT");
            }
            try {
                peers.add(new InetSocketAddress(java.net.InetAddress.getByName(host), port));
            } catch (java.net.UnknownHostException e) {
                throw new IllegalArgumentException("--sync-peer " + value + ": unknown host");
            }
        }
        return peers;
    }

    private static void saveState(StateFile stateFile, CommandExecutor executor) {
        try {
            stateFile.write(executor.stateText());
        } catch (IOException e) {
            log.error("cannot write state file {}: {}", stateFile.path(), e.getMessage());
        }
    }

    static String demoRules() {
        StringBuilder rules = new StringBuilder();
        String vip = DEMO_VIP.getHostString() + ":" + DEMO_VIP.getPort();
        rules.append("-A -t ").append(vip).append(" -s rr\n");
        for (InetSocketAddress backend : DEMO_BACKENDS) {
            rules.append("-a -t ").append(vip).append(" -r ").append(backend.getHostString()).append(':')
                    .append(backend.getPort()).append(" -m -w 1\n");
        }
        return rules.toString();
    }

    private static void printDemoHelp(Path socket) {
        String env = socket.equals(ControlSocket.defaultPath()) ? "" : "JVS_SOCKET=" + socket + " ";
        System.out.println("""
                JVS demo is running: virtual service 127.0.0.1:8080 (rr) -> demo backends 127.0.0.1:9001 and 127.0.0.1:9002.
                Try it:
                  curl http://127.0.0.1:8080/        (run it a few times: the answer alternates)
                  %sbin/ipvsadm -Ln
                Stop with Ctrl-C.""".formatted(env));
        System.out.flush();
    }
}

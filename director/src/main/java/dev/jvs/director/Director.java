package dev.jvs.director;

import dev.jvs.control.ControlSocket;
import dev.jvs.director.announce.Drain;
import dev.jvs.director.announce.VipAnnouncer;
import dev.jvs.director.conn.ConnectionTable;
import dev.jvs.director.conn.Housekeeping;
import dev.jvs.director.conn.Scheduling;
import dev.jvs.director.sched.Schedulers;
import dev.jvs.director.control.CommandExecutor;
import dev.jvs.director.control.ControlServer;
import dev.jvs.director.control.InstanceLock;
import dev.jvs.director.control.StateFile;
import dev.jvs.director.control.TextFiles;
import dev.jvs.director.demo.DemoBackends;
import dev.jvs.director.health.HealthChecks;
import dev.jvs.director.logging.JournalLogging;
import dev.jvs.director.metrics.MetricsServer;
import dev.jvs.director.metrics.Sources;
import dev.jvs.director.systemd.SystemdState;
import dev.jvs.director.nat.ConnectPolicy;
import dev.jvs.director.nat.ConnectionLimits;
import dev.jvs.director.nat.AcceptGate;
import dev.jvs.director.nat.DescriptorBudget;
import dev.jvs.director.nat.NatProxy;
import dev.jvs.director.packet.PacketPath;
import dev.jvs.os.Firewall;
import dev.jvs.os.InterfaceAddresses;
import dev.jvs.os.Neighbours;
import dev.jvs.os.OpenFileLimit;
import dev.jvs.os.PacketBackend;
import dev.jvs.os.Privileges;
import dev.jvs.os.RouteNetlink;
import dev.jvs.os.Routing;
import dev.jvs.director.net.Transport;
import dev.jvs.director.rules.ListenerBudget;
import dev.jvs.director.rules.RuleTable;
import dev.jvs.director.rules.Subscription;
import dev.jvs.director.sync.MasterAnnouncer;
import dev.jvs.director.sync.SyncDaemons;
import dev.jvs.director.sync.TableInstaller;
import dev.jvs.director.takeover.HandOverText;
import dev.jvs.director.takeover.Successor;
import dev.jvs.director.takeover.TakeoverClient;
import dev.jvs.director.takeover.TakeoverSource;
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

    static {
        JournalLogging.configure(); // before the first logger: under systemd, the journal's line format
    }

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

    @Option(names = "--transport", paramLabel = "io_uring|epoll|nio", converter = OptionConverters.TransportName.class,
            description = "Network transport (default: the best available, io_uring, then epoll, then nio).")
    Transport transport;

    @Option(names = "--conn-tab-bits", paramLabel = "BITS", defaultValue = "12",
            converter = OptionConverters.ConnTabBits.class,
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
            converter = OptionConverters.PositiveMillis.class,
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
            converter = OptionConverters.BackendName.class,
            description = "Raw frame I/O for -g/-i services: af_packet (memory-mapped rings, default) or pcap (libpcap).")
    PacketBackend packetBackend;

    @Option(names = "--packet-threads", paramLabel = "N", converter = OptionConverters.AtLeastOne.class,
            description = "Forwarding threads of the -g/-i packet path, sharing the traffic by flow (default: one per"
                    + " CPU; 1 with pcap).")
    Integer packetThreads;

    @Option(names = "--max-flows", paramLabel = "N", defaultValue = "262144",
            description = "At most N packet flows (-g/-i) tracked at once; new flows beyond it are dropped and counted"
                    + " (default: ${DEFAULT-VALUE}).")
    int maxFlows;

    @Option(names = "--splice", paramLabel = "on|off", defaultValue = "off",
            description = "NAT over the epoll transport: relay TCP bytes with splice(2), through a kernel pipe instead of"
                    + " the JVM, where nothing needs to see them (no PROXY header to send); other transports copy"
                    + " (default: ${DEFAULT-VALUE}).")
    OnOff splice;

    /** An option's on or off. */
    enum OnOff { on, off }

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

    @Option(names = "--sync-peer", paramLabel = "ADDR[:PORT]", converter = OptionConverters.Peer.class,
            description = "Connection sync without multicast: the master sync daemon also sends to this director (repeatable; default port: the daemon's --mcast-port). A backup always accepts unicast on its sync port.")
    List<InetSocketAddress> syncPeers = new ArrayList<>();

    @Option(names = "--metrics-listen", paramLabel = "ADDR:PORT", converter = OptionConverters.MetricsListen.class,
            description = "Serve Prometheus metrics (/metrics) and a read-only status page (/, /status.json) here, e.g. 127.0.0.1:9101 or [::1]:9101 (default: off).")
    InetSocketAddress metricsListen;

    @Option(names = "--sloppy-tcp",
            description = "Like the sloppy_tcp sysctl: -g/-i services schedule a TCP segment without SYN for a flow they do not know (needed behind ECMP routers, which may move a flow to another director; default: off).")
    boolean sloppyTcp;

    @Option(names = "--announce-interface", paramLabel = "IF",
            description = "Keep each VIP that should be announced (data path running, enough real servers, not draining) as a /32 or /128 on IF, for a routing daemon (BIRD, FRR, GoBGP) to announce by BGP; only addresses JVS added are removed.")
    String announceInterface;

    @Option(names = "--announce-quorum", paramLabel = "N", defaultValue = "1", converter = OptionConverters.AtLeastOne.class,
            description = "With --announce-interface: a VIP needs a service with at least N available real servers (weight > 0) to be announced (default: ${DEFAULT-VALUE}).")
    int announceQuorum;

    @Option(names = "--drain-delay", paramLabel = "SECONDS", defaultValue = "5", converter = OptionConverters.NotNegative.class,
            description = "With --announce-interface: on SIGTERM, withdraw every VIP, keep forwarding for SECONDS while the routers move new flows elsewhere, then stop (default: ${DEFAULT-VALUE}).")
    int drainDelay;
    @Option(names = "--takeover",
            description = "Take over the director running on the same --socket without refusing a client: receive its"
                    + " listening and UDP sockets, locks and rule table, serve them, then stop it: it hands over its"
                    + " packet flows and persistence templates, drains its NAT connections and exits. Uses the epoll"
                    + " transport. A running director starts such a successor itself on SIGUSR1.")
    boolean takeover;

    @Option(names = "--drain-timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "When taken over: wait at most this long for NAT connections to end before exiting (default: ${DEFAULT-VALUE}).")
    int drainTimeout;

    private final CountDownLatch stop = new CountDownLatch(1);
    /** What the director taken over handed to us ({@code --takeover}), else null. */
    private HandOverText inherited;
    /** The connection to the director taken over, open until it sends its flow table ({@code --takeover}). */
    private TakeoverClient predecessor;
    /** What we hand to a director that takes us over. */
    private TakeoverSource takeoverSource;
    private ControlServer control;
    private final SystemdState systemd = SystemdState.fromEnvironment();
    /** Held (referenced) for the whole run: a collected lock would close its descriptor and release it. */
    private final List<InstanceLock> locks = new ArrayList<>();

    /** The command line, for a successor started by {@link #RESTART_SIGNAL}. */
    private List<String> arguments = List.of();

    /**
     * Starts a successor that takes this director over (its own command line plus {@code --takeover}). Not USR2:
     * HotSpot suspends threads with it (its SR_handler, e.g. for JFR's sampling), and a handler would replace it.
     */
    static final String RESTART_SIGNAL = "USR1";

    public static void main(String[] args) {
        Director director = new Director();
        director.arguments = List.of(args);
        int status = new CommandLine(director).execute(args);
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
        try (Shutdown shutdown = new Shutdown()) {
            Path socketPath = socket != null ? socket : ControlSocket.defaultPath();
            if (takeover) inherited = receiveHandOver(socketPath);
            StateFile stateFile = claimInstance(socketPath);
            Core core = newCore(stateFile);
            Configs configs = readConfigs(core);
            HealthChecks health = newHealthChecks(core, configs, shutdown);
            DataPlane data = startDataPlane(core, health, shutdown);
            startControlPlane(core, health, data, socketPath, shutdown);
            VrrpService vrrp = startDaemons(core, configs, shutdown);
            startObservability(core, data, health, vrrp, shutdown);
            VipAnnouncer announcer = startAnnouncer(core, data, shutdown);
            handleTerm(announcer);
            Signal.handle(new Signal("INT"), sig -> stop.countDown());
            Successor successor = new Successor(arguments);
            Signal.handle(new Signal(RESTART_SIGNAL), sig -> new Thread(successor::start, "jvs-successor").start());
            if (inherited != null) stopPredecessor(core, data.nat());
            if (awaitListeners(data.nat())) {
                log.info("jvs-director ready");
                systemd.ready();
            }
            stop.await();
            log.info("shutting down");
            boolean handedOver = control != null && control.handedOver();
            if (handedOver) {
                takeoverSource.handFlows(); // first: the successor forwards DR/TUN from here on
                drain(data.nat());
            } else {
                systemd.stopping(); // taken over, the service is not stopping: the successor is its main process
            }
            return 0;
        } catch (StartupFailure e) {
            System.err.println("jvs-director: " + e.getMessage());
            return 1;
        }
    }

    /** A step could not start; the message says why (exit status 1). */
    private static final class StartupFailure extends Exception {
        StartupFailure(String message) {
            super(message, null, false, false);
        }
    }

    /** What every part shares: the rule table, the connection table, and the parts the rules are loaded through. */
    private record Core(RuleTable rules, ConnectionTable connections, Scheduling scheduling, PacketPath packets,
                        SyncDaemons sync, CommandExecutor executor, StateFile stateFile) {}

    /**
     * Step 0: one director per control socket and per state file, locked before either is touched and held until
     * exit; a director that cannot get them changes nothing.
     */
    private StateFile claimInstance(Path socketPath) throws StartupFailure {
        try {
            locks.add(lock(socketPath, "control socket"));
            StateFile stateFile = state == null ? null : StateFile.open(state);
            if (stateFile != null) locks.add(lock(stateFile.path(), "state file"));
            return stateFile;
        } catch (IOException e) {
            throw new StartupFailure(e.getMessage());
        }
    }

    /** The lock guarding {@code path}: the one handed over with {@code --takeover}, else a new one. */
    private InstanceLock lock(Path path, String what) throws IOException {
        Path file = InstanceLock.lockFileOf(path);
        io.netty.channel.unix.FileDescriptor handed = inherited == null ? null : inherited.locks().get(file);
        return handed != null ? InstanceLock.inherited(file, handed) : InstanceLock.acquire(path, what);
    }

    /** {@code --takeover}, before anything else: the running director's sockets, locks and rules. */
    private HandOverText receiveHandOver(Path socketPath) throws StartupFailure {
        if (transport != null && transport != Transport.EPOLL) {
            // Netty 4.2 can serve a listening socket it did not open only with epoll (io_uring's server channel
            // has no descriptor constructor; NIO none at all).
            log.warn("--takeover: serving the received sockets with the epoll transport, not --transport {}"
                    + " (Netty cannot adopt them with it); a plain restart uses {} again", transport.optionName(),
                    transport.optionName());
        }
        transport = Transport.EPOLL;
        try {
            predecessor = TakeoverClient.receive(socketPath, 10_000);
            HandOverText handOver = predecessor.handOver();
            log.info("taking over from pid {}: {} NAT listening sockets, {} UDP sockets", handOver.pid(),
                    handOver.tcp().values().stream().mapToInt(List::size).sum(),
                    handOver.udp().values().stream().mapToInt(List::size).sum());
            return handOver;
        } catch (IOException e) {
            throw new StartupFailure("--takeover: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
        }
    }

    /**
     * Once we serve the sockets we received: the director taken over stops its packet threads and sends its
     * flow table, which we install before our packet threads start; then it stops accepting, drains and exits.
     */
    private void stopPredecessor(Core core, NatProxy nat) throws InterruptedException {
        nat.closeUnadopted();
        systemd.mainPid(); // before the old main process can exit: systemd follows us from here on
        long stopped = System.nanoTime();
        ProcessHandle.of(inherited.pid()).ifPresent(ProcessHandle::destroy); // SIGTERM
        // It sends its flows once it stops: with --announce-interface after its drain delay (ours, presumably).
        long wait = 10_000 + (announceInterface != null ? TimeUnit.SECONDS.toMillis(drainDelay) : 0);
        predecessor.inheritFlows(core.packets(), new TableInstaller(core.rules(), core.connections(), System::nanoTime),
                wait, stopped);
        log.info("took over from pid {}", inherited.pid());
    }

    /** Taken over: stop accepting (the sockets live on in the successor) and let NAT connections end. */
    private void drain(NatProxy nat) throws InterruptedException {
        control.stopAccepting();
        nat.stopAccepting();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(drainTimeout);
        int open = nat.openConnections();
        log.info("taken over: no longer accepting; draining {} NAT connections (at most {} s)", open, drainTimeout);
        while (open > 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
            open = nat.openConnections();
        }
        if (open > 0) log.warn("drain timeout: closing {} NAT connections", open);
    }

    /** Step 1: the tables, and the objects that read and change them (nothing runs yet). */
    private Core newCore(StateFile stateFile) {
        LongSupplier clock = System::nanoTime;
        Schedulers schedulers = new Schedulers(clock,
                schedSeed == null ? OptionalLong.empty() : OptionalLong.of(schedSeed));
        RuleTable rules = new RuleTable(clock, schedulers, listenerBudget());
        ConnectionTable connections = new ConnectionTable(connTabBits, rules::timeouts);
        connections.expireNodestConn(expireNodestConn);
        Scheduling scheduling = new Scheduling(connections, clock);
        scheduling.expireQuiescentTemplate(expireQuiescentTemplate);
        // Route and neighbour lookups over netlink; iproute2 and /proc only where netlink cannot be opened.
        RouteNetlink netlink = RouteNetlink.openOrNull();
        // Made first: the packet path reports its flows through it, the sync daemons switch it to their master.
        MasterAnnouncer announcer = new MasterAnnouncer();
        PacketPath packets = new PacketPath(rules, scheduling,
                new PacketPath.Settings(PacketPath.distinct(interfaces), packetBackend, Math.max(1, maxFlows),
                        packetThreads != null ? packetThreads
                                : packetBackend == PacketBackend.PCAP ? 1 : Runtime.getRuntime().availableProcessors()),
                netlink != null ? netlink : Routing.kernel(), netlink != null ? netlink : Neighbours.kernel(),
                Firewall.nftables("jvs"), missingPacketPrivileges(), announcer);
        packets.sloppyTcp(sloppyTcp);
        // A backup offers each record to the packet path first (DR/TUN flows), then to the connection table.
        SyncDaemons sync = new SyncDaemons(announcer,
                List.of(packets.installer(), new TableInstaller(rules, connections, clock)), syncPeers, clock);
        CommandExecutor executor = new CommandExecutor(rules, connections, sync);
        executor.packetFlows(packets::flows);
        return new Core(rules, connections, scheduling, packets, sync, executor, stateFile);
    }

    private Transport net() {
        return transport != null ? transport : Transport.best();
    }

    /** The soft open-file limit once raised, 0 if it could not be read. */
    private long openFileLimit;

    /** The NAT listeners' share of the open-file limit, raised to its hard ceiling first (see DescriptorBudget). */
    private ListenerBudget listenerBudget() {
        try {
            OpenFileLimit.Limits limits = OpenFileLimit.raiseSoftToHard();
            if (limits.raised()) log.info("open-file limit raised from {} to {}", limits.before(), limits.soft());
            openFileLimit = limits.soft();
            chooseIoUringAccepts(openFileLimit); // before net() loads the io_uring transport, which reads it once
            DescriptorBudget budget = new DescriptorBudget(limits.soft(), net(), threads);
            log.info("{}", budget);
            return budget;
        } catch (IOException | RuntimeException | LinkageError e) {
            chooseIoUringAccepts(0);
            log.warn("cannot read the open-file limit ({}): the NAT listeners' descriptors are not budgeted",
                    e.getMessage());
            return ListenerBudget.UNLIMITED;
        }
    }

    /**
     * io_uring's multishot accept sets up connections faster, but Netty re-arms it after a failed accept whatever
     * autoRead says: out of descriptors, a listener would spin on EMFILE. The accept gate keeps the director out of
     * EMFILE unless a burst larger than its margin arrives within one turn of an event loop (the kernel accepts
     * ahead of the loop); a margin of 1024 descriptors or more (an open-file limit of 16384 or more) makes that a
     * remote case, and below it the director accepts one connection per submission, which honours the pause after
     * a failure. An explicit -Dio.netty.iouring.acceptMultiShotEnabled wins.
     */
    private static void chooseIoUringAccepts(long openFileLimit) {
        if (System.getProperty(MULTISHOT_ACCEPT) != null) return;
        boolean multishot = openFileLimit > 0 && AcceptGate.margin(openFileLimit) >= AcceptGate.MULTISHOT_MARGIN;
        System.setProperty(MULTISHOT_ACCEPT, Boolean.toString(multishot));
    }

    static final String MULTISHOT_ACCEPT = "io.netty.iouring.acceptMultiShotEnabled";

    /**
     * The gate that stops the NAT listeners before the connections outgrow the open-file limit; its reserve is
     * what is open now (the event loops exist) plus a margin.
     */
    private AcceptGate acceptGate() {
        if (openFileLimit <= 0 || openFileLimit > Integer.MAX_VALUE) return AcceptGate.unlimited();
        try {
            AcceptGate gate = new AcceptGate(openFileLimit, AcceptGate.reserveFor(openFileLimit, OpenFileLimit.openNow()),
                    log::warn);
            log.info("{}", gate);
            return gate;
        } catch (IOException | RuntimeException e) {
            log.warn("cannot count the open descriptors ({}): the NAT listeners accept whatever the open-file limit",
                    e.getMessage());
            return AcceptGate.unlimited();
        }
    }

    /** The keepalived-style configuration, read once: the same tree feeds the health checks and VRRP. */
    private record Configs(KeepalivedConfig keepalived, VrrpConfig vrrp) {}

    /** Step 2: the rules and configuration files, before anything listens: a bad file stops start-up. */
    private Configs readConfigs(Core core) throws StartupFailure {
        StateFile stateFile = core.stateFile();
        boolean fromState = stateFile != null && stateFile.exists() && keepalivedConf == null;
        try {
            if (stateFile != null && stateFile.exists() && keepalivedConf != null) {
                // The keepalived file owns its services: restoring them too would add them twice.
                log.info("--keepalived-conf given: state file {} is written but not restored", stateFile.path());
            } else if (inherited != null && keepalivedConf == null) {
                core.executor().restore(inherited.rules());
                log.info("loaded rules from the director taken over (pid {})", inherited.pid());
            } else if (fromState) {
                core.executor().restore(stateFile.read());
                log.info("loaded rules from state file {}", stateFile.path());
            } else if (config != null) {
                core.executor().restore(TextFiles.readUtf8(config));
                log.info("loaded rules from config file {}", config.toAbsolutePath());
            }
        } catch (IpvsadmException e) {
            throw new StartupFailure((fromState ? stateFile.path() : config) + ": " + e.getMessage());
        } catch (IOException e) {
            throw new StartupFailure(e.getMessage());
        }
        Path configFile = keepalivedConf != null ? keepalivedConf : vrrpConf;
        try {
            if (keepalivedConf != null) {
                KeepalivedConfig keepalived = KeepalivedConfig.loadValid(keepalivedConf);
                return new Configs(keepalived, VrrpConfigParser.parse(keepalived).orElse(null));
            }
            return new Configs(null, vrrpConf != null ? VrrpConfigParser.load(vrrpConf) : null);
        } catch (ConfigException e) {
            throw new StartupFailure(configFile + " has errors:\n" + e.getMessage());
        }
    }

    /**
     * Step 3a: the health checks of {@code --keepalived-conf}, made but not started: the NAT proxy reports failed
     * connects to them from its first connection; they load their services and start checking in step 4.
     */
    private HealthChecks newHealthChecks(Core core, Configs configs, Shutdown shutdown) {
        if (configs.keepalived() == null) return null;
        HealthChecks health = new HealthChecks(configs.keepalived(), core.executor());
        shutdown.onClose(health);
        return health;
    }

    /** The running data plane. */
    private record DataPlane(Transport transport, EventLoopGroup workers, NatProxy nat) {}

    /**
     * Step 3: the data plane: event loops, the NAT proxy and the packet path, each following the rule table from
     * its current state on.
     */
    private DataPlane startDataPlane(Core core, HealthChecks health, Shutdown shutdown) {
        Transport net = net();
        log.info("transport {}{}", net.optionName(), net != Transport.IO_URING ? ""
                : io.netty.channel.uring.IoUring.isAcceptMultishotEnabled() ? " (multishot accepts)"
                : " (one accept per submission)");
        EventLoopGroup workers = net.newGroup(threads);
        shutdown.onClose(() -> workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly());
        EventLoopGroup acceptors = net.newGroup(1);
        shutdown.onClose(() -> acceptors.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly());

        // Passive health: a failed connect makes the health checks look at that real server at once.
        ConnectPolicy connectPolicy = new ConnectPolicy(connectTimeout, !noRedispatch,
                health == null ? ConnectPolicy.DEFAULT.failures() : health::connectFailed);
        NatProxy nat = new NatProxy(net, acceptors, workers, core.rules(), core.connections(), core.scheduling(),
                new ConnectionLimits(maxConnections), connectPolicy, core.sync().announcer(), splice == OnOff.on,
                acceptGate());
        if (splice == OnOff.on && net != Transport.EPOLL) {
            log.info("--splice on: only the epoll transport can splice; {} relays by copying", net.optionName());
        }
        if (inherited != null) {
            nat.inherit(inherited.tcp());
            nat.inheritUdp(inherited.udp());
            core.packets().hold(); // until the old director has stopped forwarding and handed its flows over
        }
        shutdown.onClose(core.packets());
        shutdown.onClose(nat);
        // Each gets the current table at once on its own thread, then every change.
        Subscription natRules = core.rules().subscribeDataPath("nat", nat);
        shutdown.onClose(() -> core.rules().unsubscribe(natRules));
        Subscription packetRules = core.rules().subscribeDataPath("packets", core.packets());
        shutdown.onClose(() -> core.rules().unsubscribe(packetRules));

        ConnectionTable connections = core.connections();
        RuleTable rules = core.rules();
        // Off the data-path event loops: the sweep walks the whole table, the reclaim takes the rules' lock.
        Housekeeping housekeeping = new Housekeeping();
        shutdown.onClose(housekeeping);
        housekeeping.every(1, TimeUnit.SECONDS, "connection expiry", () -> connections.expire(System.nanoTime()));
        housekeeping.every(2, TimeUnit.SECONDS, "rate estimation", rules::estimateRates);
        // Deleted real servers wait in the trash while connections use them; free them when idle (IPVS: 120 s).
        housekeeping.every(60, TimeUnit.SECONDS, "trash reclaim", rules::reclaimTrashNow);
        return new DataPlane(net, workers, nat);
    }

    /**
     * Step 4: the control plane: health checks start (they change the table), the state file, the demo, and the
     * control socket, opened once the data paths serve the rules loaded so far.
     */
    private void startControlPlane(Core core, HealthChecks health, DataPlane data, Path socketPath,
                                   Shutdown shutdown)
            throws StartupFailure, InterruptedException {
        CommandExecutor executor = core.executor();
        try {
            if (health != null) health.start();
            // Off the signal thread: a reload waits for the engine. Without a keepalived file there is nothing to
            // re-read, but SIGHUP (systemctl reload) must never end the director.
            Runnable reload = health != null ? health::reload
                    : () -> log.warn("SIGHUP ignored: only --keepalived-conf is reloaded");
            Signal.handle(new Signal("HUP"), sig -> new Thread(() -> systemd.reload(reload), "jvs-reload").start());
            StateFile stateFile = core.stateFile();
            if (stateFile != null) {
                // Once taken over, the successor owns the file (our health checks may still change our table).
                executor.onChange(() -> {
                    if (control == null || !control.handedOver()) saveState(stateFile, executor);
                });
                saveState(stateFile, executor);
            }
            if (demo) {
                shutdown.onClose(new DemoBackends(data.workers(), data.transport().serverChannel(),
                        DEMO_BACKENDS));
                executor.restore(demoRules());
            }
            core.rules().awaitDataPaths(core.rules().version(), 10_000);
            control = new ControlServer(socketPath, executor);
            shutdown.onClose(control);
            if (data.transport() != Transport.NIO) {
                takeoverSource = new TakeoverSource(locks, () -> control, data.nat(), core.packets(),
                        core.connections(), executor::stateText);
                control.handOver(takeoverSource);
            }
            control.start(inherited == null ? null : inherited.control());
            if (demo) printDemoHelp(control.path());
        } catch (IpvsadmException | IOException e) {
            throw new StartupFailure(e.getMessage());
        }
    }

    /** Step 5: the daemons: connection sync, and VRRP, which hands over (priority 0) first when stopping. */
    private VrrpService startDaemons(Core core, Configs configs, Shutdown shutdown)
            throws StartupFailure {
        shutdown.onClose(core.sync());
        VrrpConfig vrrpConfig = configs.vrrp();
        if (vrrpConfig == null) return null;
        VrrpService vrrp = VrrpService.system(vrrpConfig);
        shutdown.onClose(vrrp);
        // lvs_sync_daemon: the sync role follows its instance's state from the first transition on.
        if (vrrpConfig.globals().lvsSyncDaemon() != null) LvsSyncDaemonRole.follow(vrrp, vrrpConfig, core.sync());
        try {
            vrrp.start();
            return vrrp;
        } catch (IOException e) {
            throw new StartupFailure(e.getMessage());
        }
    }

    /** Step 6: metrics and the status page (off unless {@code --metrics-listen}); they only read. */
    private void startObservability(Core core, DataPlane data, HealthChecks health, VrrpService vrrp,
                                    Shutdown shutdown)
            throws StartupFailure {
        if (metricsListen == null) return;
        try {
            shutdown.onClose(MetricsServer.start(metricsListen, new Sources(core.rules(), core.connections(),
                    core.packets(), data.nat(), core.sync(), core.executor(),
                    health == null ? List::of : () -> health.engine().health(),
                    vrrp == null ? List::of : vrrp::instances)));
        } catch (IOException e) {
            throw new StartupFailure("--metrics-listen " + metricsListen + ": " + e.getMessage());
        }
    }

    /**
     * Step 7: route announcement (off unless {@code --announce-interface}): each VIP that should be announced is
     * kept as a host address on that interface for a routing daemon to export.
     */
    private VipAnnouncer startAnnouncer(Core core, DataPlane data, Shutdown shutdown) {
        if (announceInterface == null) return null;
        VipAnnouncer announcer = new VipAnnouncer(announceInterface, announceQuorum, InterfaceAddresses.system(),
                core.rules()::services,
                vs -> core.packets().isForwarding(vs.key()) || data.nat().isListening(vs.key()));
        shutdown.onClose(announcer);
        announcer.start();
        return announcer;
    }

    /** SIGTERM stops at once, or, when announcing, drains first: withdraw, keep forwarding, then stop. */
    private void handleTerm(VipAnnouncer announcer) {
        if (announcer == null) {
            Signal.handle(new Signal("TERM"), sig -> stop.countDown());
            return;
        }
        java.util.concurrent.atomic.AtomicBoolean drainStarted = new java.util.concurrent.atomic.AtomicBoolean();
        Signal.handle(new Signal("TERM"), sig -> {
            if (drainStarted.compareAndSet(false, true)) {
                // Off the signal thread: withdraw, keep forwarding while the routers move flows, then stop.
                new Thread(() -> Drain.run(announcer, drainDelay, stop::countDown), "jvs-drain").start();
            }
        });
    }

    /** Waits until every NAT listener the table asks for is bound (they retry on their own) or a stop signal. */
    private boolean awaitListeners(NatProxy nat) throws InterruptedException {
        List<String> missing = nat.notListening();
        while (!missing.isEmpty()) {
            if (stop.await(50, TimeUnit.MILLISECONDS)) return false;
            missing = nat.notListening();
        }
        return true;
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

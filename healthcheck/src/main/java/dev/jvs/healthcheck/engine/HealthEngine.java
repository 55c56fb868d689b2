package dev.jvs.healthcheck.engine;

import dev.jvs.healthcheck.CheckResult;
import dev.jvs.healthcheck.Checker;
import dev.jvs.healthcheck.config.CheckSpec;
import dev.jvs.healthcheck.config.CheckerDef;
import dev.jvs.healthcheck.config.KeepalivedConfig;
import dev.jvs.healthcheck.config.RealServerDef;
import dev.jvs.healthcheck.config.ScriptDef;
import dev.jvs.healthcheck.config.TablePlan;
import dev.jvs.healthcheck.config.VirtualServerDef;
import dev.jvs.healthcheck.script.ScriptRunner;
import dev.jvs.model.Command;
import dev.jvs.model.IpvsadmException;
import dev.jvs.model.RealServerConfig;
import dev.jvs.model.ServiceConfig;
import dev.jvs.model.ServiceKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * keepalived's checker process: schedules every checker, runs keepalived's per-checker state machine (down after
 * {@code retry + 1} failed attempts, the first failure fatal at start-up, up after one success), derives each real
 * server's aliveness and weight, the quorum and the sorry server, and pushes every change into the table as one
 * batch of ipvsadm commands through {@link RuleOperations}.
 *
 * <p>All state lives on one engine thread; checks run elsewhere (Netty event loops, script processes) and hand
 * their result back to it. The checkers only run one attempt each: timing, retries and state belong here.
 */
public final class HealthEngine implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HealthEngine.class);
    /** keepalived delays the first check of every checker by one second after start. */
    static final Duration BOOTSTRAP_DELAY = Duration.ofSeconds(1);

    private final RuleOperations rules;
    private final CheckerFactory checkers;
    private final ScheduledExecutorService thread;
    private final AtomicLong attempts = new AtomicLong();
    private Duration bootstrapDelay = BOOTSTRAP_DELAY;

    // engine thread only
    private final List<Service> services = new ArrayList<>();
    private final Map<ServiceKey, List<RealServerConfig>> applied = new LinkedHashMap<>();
    private final Map<ServiceKey, ServiceConfig> appliedServices = new LinkedHashMap<>();
    private ScriptRunner scripts;
    private boolean closed;

    public HealthEngine(RuleOperations rules, CheckerFactory checkers) {
        this.rules = rules;
        this.checkers = checkers;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "jvs-healthcheck");
            t.setDaemon(true);
            return t;
        });
    }

    /** For tests: run the first checks sooner than keepalived's one-second bootstrap delay. */
    public HealthEngine bootstrapDelay(Duration delay) {
        this.bootstrapDelay = delay;
        return this;
    }

    // ---------------------------------------------------------------- state

    private final class Service {
        VirtualServerDef def;
        final List<Server> servers = new ArrayList<>();
        boolean quorumUp;

        long aliveWeight() {
            return TablePlan.aliveWeight(def, this::liveWeight);
        }

        OptionalInt liveWeight(RealServerDef rs) {
            for (Server s : servers) if (s.def == rs) return s.alive() ? OptionalInt.of(s.weight()) : OptionalInt.empty();
            return OptionalInt.empty();
        }
    }

    private final class Server {
        RealServerDef def;
        Service service;
        final List<Probe> probes = new ArrayList<>();
        /** The latest check result's reason, and when aliveness last changed (status page and metrics). */
        String lastReason = "not checked yet";
        long changedAtMillis = System.currentTimeMillis();

        boolean alive() {
            for (Probe p : probes) if (!p.up) return false;
            return true;
        }

        /** Configured weight plus the dynamic deltas of MISC_CHECK misc_dynamic, clamped as IPVS needs. */
        int weight() {
            long w = def.weight();
            for (Probe p : probes) if (p.dynamicWeight != null) w += p.dynamicWeight - def.weight();
            return (int) Math.max(0, Math.min(Integer.MAX_VALUE, w));
        }

        String name() {
            return def.describe(service.def.services().get(0).key().protocol().servicesName());
        }
    }

    private static final class Probe {
        final CheckerDef def;
        final Checker checker;
        Server server;
        boolean up;
        boolean hasRun;
        int retries;
        boolean running;
        boolean stopped;
        Integer dynamicWeight;
        ScheduledFuture<?> next;
        long startedNanos;

        Probe(CheckerDef def, Checker checker) {
            this.def = def;
            this.checker = checker;
            // keepalived starts a non-alpha checker up with its retry counter used up: the first failure is fatal.
            this.up = !def.alpha();
            this.retries = def.alpha() ? 0 : def.retry();
        }
    }

    // ---------------------------------------------------------------- life cycle

    /** Builds the start-up table from {@code config} in one batch and starts every checker. */
    public void start(KeepalivedConfig config) throws IpvsadmException {
        call(() -> {
            load(config, true);
            return null;
        });
    }

    /**
     * Re-reads the configuration and applies only the difference: unchanged real servers keep their Dest (and so
     * their counters and connections) and their health state; established connections are never touched.
     */
    public void reload(KeepalivedConfig config) throws IpvsadmException {
        call(() -> {
            load(config, false);
            return null;
        });
    }

    /**
     * The data path could not connect to {@code realServer} for a client of {@code service}: check it now instead
     * of waiting for its next turn. The failed connect itself is not counted as an attempt.
     */
    public void connectFailed(ServiceKey service, InetSocketAddress realServer, String reason) {
        thread.execute(() -> {
            for (Service s : services) {
                if (s.def.services().stream().noneMatch(c -> c.key().equals(service))) continue;
                for (Server server : s.servers) {
                    RealServerConfig c = server.def.config();
                    boolean same = c.address().equals(realServer.getAddress())
                            && (c.port() == realServer.getPort() || c.port() == 0);
                    if (!same) continue;
                    for (Probe p : server.probes) {
                        // Only a healthy checker outside a retry sequence: retries keep their own pace.
                        if (p.stopped || p.running || !p.up || (p.hasRun && p.retries != 0)) continue;
                        log.info("connect to {} for VS {} failed ({}): running {} now", server.name(), s.def.name(),
                                reason, p.def.type());
                        if (p.next != null) p.next.cancel(false);
                        runProbe(p);
                    }
                }
            }
        });
    }

    /** Whether the real server is alive in the given service (for tests and status). */
    public boolean isAlive(ServiceKey service, InetSocketAddress realServer) {
        try {
            return call(() -> {
                for (Service s : services) {
                    if (s.def.services().stream().noneMatch(c -> c.key().equals(service))) continue;
                    for (Server server : s.servers) {
                        if (server.def.config().socketAddress().equals(realServer)) return server.alive();
                    }
                }
                return false;
            });
        } catch (IpvsadmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Every checked real server's aliveness, latest reason and last transition, read on the engine thread (for the
     * status page and metrics; one entry per virtual service key of a group).
     */
    public List<RealServerHealth> health() {
        try {
            return call(() -> {
                List<RealServerHealth> out = new ArrayList<>();
                for (Service s : services) {
                    for (var config : s.def.services()) {
                        for (Server server : s.servers) {
                            List<String> types = new ArrayList<>();
                            for (Probe p : server.probes) types.add(p.def.type());
                            out.add(new RealServerHealth(config.key(), server.def.config().socketAddress(),
                                    server.alive(), server.weight(), String.join(",", types), server.lastReason,
                                    server.changedAtMillis));
                        }
                    }
                }
                return List.copyOf(out);
            });
        } catch (IpvsadmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** How many check attempts have completed since start. */
    public long attempts() {
        return attempts.get();
    }

    /** Stops every checker; with {@code omega}, runs the notify_down and quorum_down scripts as keepalived does. */
    @Override
    public void close() {
        try {
            call(() -> {
                closed = true;
                for (Service s : services) {
                    for (Server server : s.servers) {
                        server.probes.forEach(this::stop);
                        if (s.def.omega() && server.alive()) server.def.notifyDown().ifPresent(sc -> runScript(sc, "notify_down"));
                    }
                    if (s.def.omega() && s.quorumUp) s.def.quorumDown().ifPresent(sc -> runScript(sc, "quorum_down"));
                }
                return null;
            });
        } catch (IpvsadmException | RuntimeException e) {
            log.debug("closing the health checks: {}", e.toString());
        }
        thread.shutdownNow();
    }

    private <T> T call(Callable<T> action) throws IpvsadmException {
        try {
            return thread.submit(action).get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IpvsadmException ie) throw ie;
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }

    // ---------------------------------------------------------------- loading and reloading

    private void load(KeepalivedConfig config, boolean first) throws IpvsadmException {
        if (closed) throw new IllegalStateException("health checks are stopped");
        scripts = new ScriptRunner(config.globals(), thread);
        if (config.scriptSecurityViolation()) {
            log.warn("SECURITY VIOLATION - scripts are being executed but script_security not enabled.");
        }
        // Reuse what did not change: same service keys, same endpoint, same checkers.
        Map<String, Server> reusable = new HashMap<>();
        Map<Set<ServiceKey>, Service> oldServices = new HashMap<>();
        for (Service s : services) {
            oldServices.put(keys(s.def), s);
            for (Server server : s.servers) reusable.put(identity(s.def, server.def), server);
        }
        List<Service> next = new ArrayList<>();
        List<Probe> toStart = new ArrayList<>();
        Set<Server> kept = new HashSet<>();
        for (VirtualServerDef def : config.virtualServers()) {
            Service old = oldServices.get(keys(def));
            Service service = new Service();
            service.def = def;
            for (RealServerDef rs : def.realServers()) {
                Server server = reusable.remove(identity(def, rs));
                if (server != null && server.def.checkers().equals(rs.checkers())) {
                    kept.add(server);
                } else {
                    if (server != null) reusable.put(identity(def, rs), server); // stopped below
                    server = newServer(rs, toStart);
                }
                server.def = rs;
                server.service = service;
                service.servers.add(server);
            }
            long weight = service.aliveWeight();
            service.quorumUp = old != null ? TablePlan.quorumAfter(def, weight, old.quorumUp)
                    : TablePlan.quorumAfter(def, weight, false);
            if (!service.quorumUp) {
                log.warn("{} with quorum down for VS {} (alive weight {} < quorum {} + hysteresis {})",
                        old == null ? "Starting" : "Reloading", def.name(), weight, def.quorum(), def.hysteresis());
            }
            next.add(service);
        }
        for (Server gone : reusable.values()) {
            if (!kept.contains(gone)) gone.probes.forEach(this::stop);
        }

        List<Command> commands = new ArrayList<>();
        Map<ServiceKey, ServiceConfig> wantedServices = new LinkedHashMap<>();
        Map<ServiceKey, List<RealServerConfig>> wantedDests = new LinkedHashMap<>();
        for (Service s : next) {
            List<RealServerConfig> dests = TablePlan.destinations(s.def, s::liveWeight, s.quorumUp);
            for (ServiceConfig c : s.def.services()) {
                wantedServices.put(c.key(), c);
                wantedDests.put(c.key(), dests);
            }
        }
        for (ServiceKey key : appliedServices.keySet()) {
            if (!wantedServices.containsKey(key)) commands.add(new Command.DeleteService(key));
        }
        for (Map.Entry<ServiceKey, ServiceConfig> e : wantedServices.entrySet()) {
            ServiceConfig before = appliedServices.get(e.getKey());
            if (before == null) commands.add(TablePlan.addService(e.getValue()));
            else if (!before.equals(e.getValue())) commands.add(new Command.EditService(e.getValue()));
            commands.addAll(diff(e.getValue(), applied.getOrDefault(e.getKey(), List.of()), wantedDests.get(e.getKey())));
        }
        try {
            if (!commands.isEmpty()) rules.apply(commands);
        } catch (IpvsadmException e) {
            toStart.forEach(this::stop);
            throw e;
        }
        services.clear();
        services.addAll(next);
        appliedServices.clear();
        appliedServices.putAll(wantedServices);
        applied.clear();
        applied.putAll(wantedDests);
        log.info("{} {} virtual server(s), {} real server(s), {} checker(s){}", first ? "loaded" : "reloaded",
                next.size(), next.stream().mapToInt(s -> s.servers.size()).sum(),
                next.stream().flatMap(s -> s.servers.stream()).mapToInt(s -> s.probes.size()).sum(),
                first ? "" : "; " + commands.size() + " table change(s), " + kept.size() + " real server(s) kept their state");
        for (Probe p : toStart) {
            long warmup = p.def.warmup().toNanos();
            long delay = bootstrapDelay.toNanos() + (warmup > 0 ? ThreadLocalRandom.current().nextLong(warmup + 1) : 0);
            p.next = thread.schedule(() -> runProbe(p), delay, TimeUnit.NANOSECONDS);
        }
    }

    private Server newServer(RealServerDef rs, List<Probe> toStart) {
        Server server = new Server();
        for (CheckerDef def : rs.checkers()) {
            if (def.spec() instanceof CheckSpec.Misc misc) {
                Optional<String> refused = scripts.refusal(misc.script());
                if (refused.isPresent()) {
                    // keepalived removes a checker whose script cannot be run safely.
                    log.error("{}: MISC_CHECK removed: {}", def.location(), refused.get());
                    continue;
                }
            }
            Probe p = new Probe(def, checkers.create(def, rs, scripts));
            p.server = server;
            server.probes.add(p);
            toStart.add(p);
        }
        return server;
    }

    private static Set<ServiceKey> keys(VirtualServerDef def) {
        Set<ServiceKey> keys = new HashSet<>();
        for (ServiceConfig c : def.services()) keys.add(c.key());
        return keys;
    }

    private static String identity(VirtualServerDef vs, RealServerDef rs) {
        return keys(vs) + "/" + rs.config().address().getHostAddress() + ":" + rs.config().port();
    }

    private static List<Command> diff(ServiceConfig service, List<RealServerConfig> before, List<RealServerConfig> after) {
        List<Command> commands = new ArrayList<>();
        for (RealServerConfig want : after) {
            RealServerConfig had = before.stream().filter(want::sameEndpoint).findFirst().orElse(null);
            if (had == null) commands.add(new Command.AddServer(service.key(), want));
            else if (!had.equals(want)) commands.add(new Command.EditServer(service.key(), want));
        }
        for (RealServerConfig had : before) {
            if (after.stream().noneMatch(had::sameEndpoint)) commands.add(new Command.DeleteServer(service.key(), had));
        }
        return commands;
    }

    // ---------------------------------------------------------------- checking

    private void stop(Probe p) {
        p.stopped = true;
        if (p.next != null) p.next.cancel(false);
    }

    private void runProbe(Probe p) {
        if (p.stopped || p.running) return;
        p.next = null;
        VirtualServerDef vs = p.server.service.def;
        if (vs.haSuspend() && !vipIsLocal(vs)) {
            // ha_suspend: no probing while this director does not hold the VIP.
            schedule(p, p.def.delayLoop(), System.nanoTime());
            return;
        }
        p.running = true;
        p.startedNanos = System.nanoTime();
        CompletableFutureGuard.run(p.checker).thenAcceptAsync(r -> onResult(p, r), thread);
    }

    private void schedule(Probe p, Duration delay, long fromNanos) {
        if (p.stopped) return;
        long wait = Math.max(0, fromNanos + delay.toNanos() - System.nanoTime());
        p.next = thread.schedule(() -> runProbe(p), wait, TimeUnit.NANOSECONDS);
    }

    private void onResult(Probe p, CheckResult result) {
        p.running = false;
        attempts.incrementAndGet();
        if (p.stopped) return;
        Server server = p.server;
        Service service = server.service;
        boolean wasAlive = server.alive();
        int oldWeight = server.weight();
        boolean confirmDown = false;
        // MISC_CHECK runs are paced from their start, network checks from their end, as in keepalived.
        long base = p.def.spec() instanceof CheckSpec.Misc ? p.startedNanos : System.nanoTime();
        String type = p.def.type();
        if (result.up()) {
            p.retries = 0;
            p.dynamicWeight = result.weight().isPresent() && p.def.spec() instanceof CheckSpec.Misc misc && misc.dynamic()
                    ? Integer.valueOf(result.weight().getAsInt()) : null;
            if (!p.up) {
                p.up = true;
                log.info("{} on service {} of VS {} succeeded: {}", type, server.name(), service.def.name(), result.reason());
            }
            schedule(p, p.def.delayLoop(), base);
        } else if (p.up) {
            if (p.retries < p.def.retry()) {
                p.retries++;
                if (p.def.logAllFailures()) {
                    log.info("{} on service {} of VS {} attempt failed ({} of {} retries): {}", type, server.name(),
                            service.def.name(), p.retries, p.def.retry(), result.reason());
                }
                schedule(p, p.def.delayBeforeRetry(), base);
            } else {
                p.up = false;
                p.retries = 0;
                log.warn("{} on service {} of VS {} failed after {} retries: {}", type, server.name(),
                        service.def.name(), p.def.retry(), result.reason());
                schedule(p, p.def.delayLoop(), base);
            }
            p.dynamicWeight = null;
        } else {
            confirmDown = !p.hasRun;
            if (p.def.logAllFailures()) {
                log.info("{} on service {} of VS {} still failing: {}", type, server.name(), service.def.name(), result.reason());
            }
            schedule(p, p.def.delayLoop(), base);
        }
        p.hasRun = true;
        server.lastReason = result.reason();
        if (server.alive() != wasAlive) server.changedAtMillis = System.currentTimeMillis();
        serverChanged(server, wasAlive, oldWeight, confirmDown, result.reason());
    }

    private void serverChanged(Server server, boolean wasAlive, int oldWeight, boolean confirmDown, String reason) {
        Service service = server.service;
        boolean alive = server.alive();
        String verb;
        if (alive != wasAlive) {
            boolean inhibit = server.def.inhibitOnFailure();
            verb = alive ? (inhibit ? "Enabling" : "Adding") : (inhibit ? "Disabling" : "Removing");
            String preposition = alive ? (inhibit ? "of" : "to") : (inhibit ? "of" : "from");
            log.warn("{} service {} {} VS {} ({})", verb, server.name(), preposition, service.def.name(), reason);
            Optional<ScriptDef> script = alive ? server.def.notifyUp() : server.def.notifyDown();
            script.ifPresent(s -> runScript(s, alive ? "notify_up" : "notify_down"));
        } else if (alive && oldWeight != server.weight()) {
            log.info("Changing weight from {} to {} for active service {} of VS {}", oldWeight, server.weight(),
                    server.name(), service.def.name());
        } else if (confirmDown && !alive) {
            // An alpha server whose first check confirms it is down still gets its notify_down once.
            server.def.notifyDown().ifPresent(s -> runScript(s, "notify_down"));
            return;
        } else {
            return;
        }
        updateQuorum(service);
        pushTable(service);
    }

    private void updateQuorum(Service service) {
        VirtualServerDef def = service.def;
        long weight = service.aliveWeight();
        boolean up = TablePlan.quorumAfter(def, weight, service.quorumUp);
        if (up == service.quorumUp) return;
        service.quorumUp = up;
        if (up) {
            log.warn("Gained quorum {}+{}={} <= {} for VS {}", def.quorum(), def.hysteresis(),
                    (long) def.quorum() + def.hysteresis(), weight, def.name());
            def.sorryServer().ifPresent(s -> log.warn("{} sorry server {} {} VS {}", def.sorryServerInhibit() ? "Disabling" : "Removing",
                    s.describe(def.services().get(0).key().protocol().servicesName()), def.sorryServerInhibit() ? "of" : "from", def.name()));
            def.quorumUp().ifPresent(s -> runScript(s, "quorum_up"));
        } else {
            log.warn("Lost quorum {}-{}={} > {} for VS {}", def.quorum(), def.hysteresis(),
                    (long) def.quorum() - def.hysteresis(), weight, def.name());
            def.sorryServer().ifPresent(s -> log.warn("{} sorry server {} {} VS {}", def.sorryServerInhibit() ? "Enabling" : "Adding",
                    s.describe(def.services().get(0).key().protocol().servicesName()), def.sorryServerInhibit() ? "of" : "to", def.name()));
            def.quorumDown().ifPresent(s -> runScript(s, "quorum_down"));
        }
    }

    /** Brings the table in line with the service's state in one batch (a sorry-server swap is atomic). */
    private void pushTable(Service service) {
        List<RealServerConfig> wanted = TablePlan.destinations(service.def, service::liveWeight, service.quorumUp);
        List<Command> commands = new ArrayList<>();
        for (ServiceConfig c : service.def.services()) {
            commands.addAll(diff(c, applied.getOrDefault(c.key(), List.of()), wanted));
        }
        if (commands.isEmpty()) return;
        try {
            rules.apply(commands);
            for (ServiceConfig c : service.def.services()) applied.put(c.key(), wanted);
        } catch (IpvsadmException e) {
            // Someone changed the table by hand in a conflicting way; the next change tries again.
            log.error("cannot update VS {}: {}", service.def.name(), e.getMessage());
        }
    }

    private void runScript(ScriptDef script, String why) {
        if (scripts != null) scripts.notify(script, why);
    }

    private static boolean vipIsLocal(VirtualServerDef vs) {
        ServiceKey key = vs.services().get(0).key();
        if (key.isFwmark()) return true;
        try {
            return NetworkInterface.getByInetAddress(key.address()) != null;
        } catch (SocketException e) {
            return true;
        }
    }
}

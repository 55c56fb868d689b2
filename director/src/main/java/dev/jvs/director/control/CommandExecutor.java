package dev.jvs.director.control;

import dev.jvs.control.ControlReply;
import dev.jvs.control.ControlRequest;
import dev.jvs.director.conn.ConnectionTable;
import dev.jvs.director.packet.PacketPath;
import dev.jvs.director.rules.BatchException;
import dev.jvs.director.rules.RuleTable;
import dev.jvs.director.sync.SyncDaemons;
import dev.jvs.director.sync.TableInstaller;
import dev.jvs.ipvsadm.Help;
import dev.jvs.ipvsadm.IpvsadmParser;
import dev.jvs.ipvsadm.Listing;
import dev.jvs.ipvsadm.NameResolver;
import dev.jvs.ipvsadm.NumericNames;
import dev.jvs.ipvsadm.RestoreInput;
import dev.jvs.ipvsadm.SaveFormat;
import dev.jvs.ipvsadm.SystemNames;
import dev.jvs.model.Command;
import dev.jvs.model.Command.DaemonChange;
import dev.jvs.model.Command.RuleChange;
import dev.jvs.model.IpvsadmException;
import dev.jvs.model.ServiceKey;
import dev.jvs.model.TableView;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongFunction;

/**
 * Runs ipvsadm commands against the rule table and renders ipvsadm's exact output. Every change, whoever
 * makes it (CLI, config file, state file), goes through {@link #apply}: parsed with the one ipvsadm grammar,
 * validated as a whole, applied atomically.
 */
public final class CommandExecutor {

    private final RuleTable rules;
    private final ConnectionTable connections;
    private final SyncDaemons syncDaemons;
    private final java.util.concurrent.atomic.LongAdder commands = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder commandErrors = new java.util.concurrent.atomic.LongAdder();
    private volatile Runnable changed = () -> { };
    private volatile LongFunction<List<PacketPath.FlowRow>> packetFlows = now -> List.of();

    /** With sync daemons that install into {@code connections} and have no unicast peers. */
    public CommandExecutor(RuleTable rules, ConnectionTable connections) {
        this(rules, connections, new SyncDaemons(List.of(new TableInstaller(rules, connections, System::nanoTime)),
                List.of(), System::nanoTime));
    }

    public CommandExecutor(RuleTable rules, ConnectionTable connections, SyncDaemons syncDaemons) {
        this.rules = rules;
        this.connections = connections;
        this.syncDaemons = syncDaemons;
    }

    public ControlReply execute(ControlRequest request) {
        commands.increment();
        try {
            List<Command> commands = parse(request);
            if (!request.batch() && commands.size() == 1 && commands.get(0) instanceof Command.Query query) {
                return ControlReply.ok(query.answer(new Queries(request.prog())));
            }
            long version = apply(request, commands);
            settle(version);
            // Applied, but a data path cannot serve a service the request named (e.g. its port is taken): say so.
            List<String> problems = rules.dataPathProblems(servicesNamed(commands));
            if (!problems.isEmpty()) throw IpvsadmException.kernel(String.join("\n", problems));
            return ControlReply.ok("");
        } catch (IpvsadmException e) {
            commandErrors.increment();
            return ControlReply.error(e.exitStatus(), e.getMessage());
        }
    }

    /**
     * How long {@code ipvsadm} waits for the data paths to take a change in (NAT listeners bound, the packet path's
     * plan installed), so that, as with the kernel, a service is served once the command returns. Bounded: a data
     * path that is stuck does not hold the command up longer than this. Other subscribers are never waited for,
     * and neither are changes from the health checks.
     */
    static final long SETTLE_MILLIS = 2_000;

    private void settle(long version) {
        try {
            rules.awaitDataPaths(version, SETTLE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The services the commands add, edit or change the real servers of, in order. */
    static Set<ServiceKey> servicesNamed(List<Command> commands) {
        Set<ServiceKey> keys = new LinkedHashSet<>();
        for (Command c : commands) {
            if (c instanceof Command.AddService s) keys.add(s.service().key());
            else if (c instanceof Command.EditService s) keys.add(s.service().key());
            else if (c instanceof Command.AddServer r) keys.add(r.serviceKey());
            else if (c instanceof Command.EditServer r) keys.add(r.serviceKey());
            else if (c instanceof Command.DeleteServer r) keys.add(r.serviceKey());
        }
        return keys;
    }

    /** Control-socket requests run so far (metrics). */
    public long commands() {
        return commands.sum();
    }

    /** Of those, the ones answered with an error. */
    public long commandErrors() {
        return commandErrors.sum();
    }

    /** Parses every line of the request; in a batch the first bad line is named. */
    static List<Command> parse(ControlRequest request) throws IpvsadmException {
        List<Command> commands = new ArrayList<>();
        for (ControlRequest.Line line : request.lines()) {
            try {
                Command command = IpvsadmParser.parse(request.prog(), line.args());
                if (request.batch() && command instanceof Command.Query) {
                    throw IpvsadmException.invalid("only rule changes are accepted in restore input, not '"
                            + command.kind().messageName() + "'");
                }
                commands.add(command);
            } catch (IpvsadmException e) {
                throw request.batch() ? e.prefixed("line " + line.number() + ": ") : e;
            }
        }
        return commands;
    }

    /** Applies restore-syntax text (a --config or --state file) as one batch; errors name the line. */
    public void restore(String text) throws IpvsadmException {
        ControlRequest request = new ControlRequest("ipvsadm", true, RestoreInput.split(text));
        apply(request, parse(request));
    }

    /**
     * Applies a parsed batch as one atomic change: every line is checked (rules against a draft of the table,
     * sync-daemon commands against the running daemons) before anything is applied.
     *
     * @return the version of the rule table after the change
     */
    public synchronized long apply(ControlRequest request, List<Command> commands) throws IpvsadmException {
        List<RuleChange> ruleChanges = new ArrayList<>();
        List<Integer> ruleLines = new ArrayList<>();
        List<DaemonChange> daemonChanges = new ArrayList<>();
        for (int i = 0; i < commands.size(); i++) {
            Command command = commands.get(i);
            if (command instanceof RuleChange change) {
                ruleChanges.add(change);
                ruleLines.add(i);
            } else if (command instanceof DaemonChange change) {
                try {
                    syncDaemons.check(change.daemon(), change instanceof Command.StartDaemon);
                } catch (IpvsadmException e) {
                    throw inBatch(request, i, e);
                }
                daemonChanges.add(change);
            } else {
                throw inBatch(request, i, IpvsadmException.invalid("'" + command.kind().messageName()
                        + "' changes nothing"));
            }
        }
        try {
            if (!ruleChanges.isEmpty()) rules.apply(ruleChanges);
        } catch (BatchException e) {
            if (e.index() == BatchException.WHOLE_BATCH) throw e.error();
            throw inBatch(request, ruleLines.get(e.index()), e.error());
        }
        for (DaemonChange change : daemonChanges) {
            if (change instanceof Command.StartDaemon) syncDaemons.start(change.daemon());
            else syncDaemons.stop(change.daemon());
        }
        changed.run();
        return rules.version();
    }

    /**
     * Applies commands built in code (the health checks' -A/-E/-D/-a/-e/-d) as one atomic batch, through the same
     * path as the CLI, so {@code ipvsadm -Ln} shows the change at once.
     */
    public void apply(List<Command> commands) throws IpvsadmException {
        apply(new ControlRequest("ipvsadm", false, List.of()), commands);
    }

    /** Where {@code -Lc} finds the packet path's flows (listed after the proxied connections). */
    public void packetFlows(LongFunction<List<PacketPath.FlowRow>> source) {
        this.packetFlows = source;
    }

    /** Called after every successful change (the director saves its --state file there). */
    public void onChange(Runnable action) {
        this.changed = action;
    }

    private static IpvsadmException inBatch(ControlRequest request, int index, IpvsadmException e) {
        return request.batch() ? e.prefixed("line " + request.lines().get(index).number() + ": ") : e;
    }

    /** The answers to the queries, in ipvsadm's words. */
    private final class Queries implements Command.Query.Handler<String, IpvsadmException> {
        private final String prog;

        Queries(String prog) {
            this.prog = prog;
        }

        @Override
        public String listServices(Command.ListServices q) throws IpvsadmException {
            if (q.serviceKey().isPresent() && rules.find(q.serviceKey().get()) == null) {
                throw new IpvsadmException("No such service", IpvsadmException.LIST_FAILURE);
            }
            return Listing.list(view(), q.options(), q.serviceKey().orElse(null), names(q.options().numeric()));
        }

        @Override
        public String listConnections(Command.ListConnections q) {
            long now = System.nanoTime();
            return ConnectionListing.list(connections, packetFlows.apply(now), names(q.options().numeric()), now);
        }

        @Override
        public String listTimeouts(Command.ListTimeouts q) {
            return Listing.timeout(rules.timeouts());
        }

        @Override
        public String listDaemons(Command.ListDaemons q) {
            return syncDaemons.listing();
        }

        @Override
        public String save(Command.Save q) {
            return SaveFormat.save(view(), q.numeric(), names(q.numeric()), false);
        }

        @Override
        public String restore(Command.Restore q) throws IpvsadmException {
            throw IpvsadmException.invalid("restore input is read by the client and sent as one batch");
        }

        @Override
        public String help(Command.Help q) {
            return Help.text(prog);
        }

        @Override
        public String version(Command.Version q) {
            return Help.version() + "\n";
        }
    }

    /** The table as ipvsadm-restore input with everything -S leaves out, for the --state file. */
    public String stateText() {
        StringBuilder text = new StringBuilder(SaveFormat.save(view(), true, NumericNames.INSTANCE, true));
        for (String line : syncDaemons.restoreLines()) text.append(line).append('\n');
        return text.toString();
    }

    private TableView view() {
        return rules.view(connections.bucketCount());
    }

    private static NameResolver names(boolean numeric) {
        return numeric ? NumericNames.INSTANCE : new SystemNames();
    }
}

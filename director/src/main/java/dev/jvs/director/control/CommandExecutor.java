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
import dev.jvs.model.CommandKind;
import dev.jvs.model.IpvsadmException;
import dev.jvs.model.ListOptions;
import dev.jvs.model.TableView;

import java.util.ArrayList;
import java.util.List;
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
            if (!request.batch() && commands.size() == 1 && !commands.get(0).kind().modifies()) {
                return query(commands.get(0), request.prog());
            }
            apply(request, commands);
            return ControlReply.ok("");
        } catch (IpvsadmException e) {
            commandErrors.increment();
            return ControlReply.error(e.exitStatus(), e.getMessage());
        }
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
                if (request.batch() && !command.kind().modifies()) {
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
     */
    public synchronized void apply(ControlRequest request, List<Command> commands) throws IpvsadmException {
        List<Command> ruleCommands = new ArrayList<>();
        List<Integer> ruleLines = new ArrayList<>();
        for (int i = 0; i < commands.size(); i++) {
            Command command = commands.get(i);
            if (isDaemonCommand(command)) {
                try {
                    syncDaemons.check(command.daemon(), command.kind() == CommandKind.START_DAEMON);
                } catch (IpvsadmException e) {
                    throw inBatch(request, i, e);
                }
            } else {
                ruleCommands.add(command);
                ruleLines.add(i);
            }
        }
        try {
            if (!ruleCommands.isEmpty()) rules.apply(ruleCommands);
        } catch (BatchException e) {
            throw inBatch(request, ruleLines.get(e.index()), e.error());
        }
        for (Command command : commands) {
            if (command.kind() == CommandKind.START_DAEMON) syncDaemons.start(command.daemon());
            if (command.kind() == CommandKind.STOP_DAEMON) syncDaemons.stop(command.daemon());
        }
        changed.run();
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

    private static boolean isDaemonCommand(Command command) {
        return command.kind() == CommandKind.START_DAEMON || command.kind() == CommandKind.STOP_DAEMON;
    }

    private static IpvsadmException inBatch(ControlRequest request, int index, IpvsadmException e) {
        return request.batch() ? e.prefixed("line " + request.lines().get(index).number() + ": ") : e;
    }

    private ControlReply query(Command command, String prog) throws IpvsadmException {
        return switch (command.kind()) {
            case LIST -> ControlReply.ok(list(command));
            case SAVE -> ControlReply.ok(SaveFormat.save(view(), command.list().numeric(), names(command.list()), false));
            case HELP -> ControlReply.ok(Help.text(prog));
            case VERSION -> ControlReply.ok(Help.version() + "\n");
            default -> throw new IllegalStateException("not a query: " + command.kind());
        };
    }

    private String list(Command command) throws IpvsadmException {
        ListOptions options = command.list();
        if (options.timeout()) return Listing.timeout(rules.timeouts());
        if (options.daemon()) return syncDaemons.listing();
        if (options.connections()) {
            long now = System.nanoTime();
            return ConnectionListing.list(connections, packetFlows.apply(now), names(options), now);
        }
        if (command.serviceKey() != null && rules.find(command.serviceKey()) == null) {
            throw new IpvsadmException("No such service", IpvsadmException.LIST_FAILURE);
        }
        return Listing.list(view(), options, command.serviceKey(), names(options));
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

    private static NameResolver names(ListOptions options) {
        return options.numeric() ? NumericNames.INSTANCE : new SystemNames();
    }
}

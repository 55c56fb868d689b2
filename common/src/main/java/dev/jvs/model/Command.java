package dev.jvs.model;

import java.util.Objects;
import java.util.Optional;

/**
 * One parsed ipvsadm invocation: one record per kind of command, each holding exactly what that command takes.
 * They fall into three sealed families: {@link RuleChange} (applied to the rule table), {@link DaemonChange}
 * (sync daemons) and {@link Query} (answered without changing anything). Each family dispatches to a handler with
 * one method per record, so a consumer that forgets a kind does not compile (the project targets Java 17, where a
 * pattern {@code switch} over sealed types is not yet available).
 */
public sealed interface Command permits Command.RuleChange, Command.DaemonChange, Command.Query {

    /** The kind, for ipvsadm's messages and its option-compatibility table. */
    CommandKind kind();

    /** True for commands that change the director's state. */
    default boolean modifies() {
        return !(this instanceof Query);
    }

    /** A change of the rule table. */
    sealed interface RuleChange extends Command
            permits AddService, EditService, DeleteService, Flush, AddServer, EditServer, DeleteServer, Zero,
            SetTimeouts {

        /** What the rule table does with each change. */
        interface Handler<E extends Exception> {
            void addService(AddService c) throws E;
            void editService(EditService c) throws E;
            void deleteService(DeleteService c) throws E;
            void flush(Flush c) throws E;
            void addServer(AddServer c) throws E;
            void editServer(EditServer c) throws E;
            void deleteServer(DeleteServer c) throws E;
            void zero(Zero c) throws E;
            void setTimeouts(SetTimeouts c) throws E;
        }

        <E extends Exception> void applyTo(Handler<E> handler) throws E;
    }

    /** Starts or stops a sync daemon. */
    sealed interface DaemonChange extends Command permits StartDaemon, StopDaemon {
        SyncDaemonConfig daemon();
    }

    /** A command that changes nothing. */
    sealed interface Query extends Command
            permits ListServices, ListConnections, ListTimeouts, ListDaemons, Save, Restore, Help, Version {

        /** How each query is answered. */
        interface Handler<R, E extends Exception> {
            R listServices(ListServices q) throws E;
            R listConnections(ListConnections q) throws E;
            R listTimeouts(ListTimeouts q) throws E;
            R listDaemons(ListDaemons q) throws E;
            R save(Save q) throws E;
            R restore(Restore q) throws E;
            R help(Help q) throws E;
            R version(Version q) throws E;
        }

        <R, E extends Exception> R answer(Handler<R, E> handler) throws E;
    }

    /** {@code -A}: the full definition; what is not given takes ipvsadm's default. */
    record AddService(ServiceConfig service) implements RuleChange {
        public <E extends Exception> void applyTo(Handler<E> h) throws E { h.addService(this); }
        public AddService { Objects.requireNonNull(service, "service"); }
        public CommandKind kind() { return CommandKind.ADD_SERVICE; }
        public ServiceKey serviceKey() { return service.key(); }
    }

    /** {@code -E}: a full replacement of the service's settings. */
    record EditService(ServiceConfig service) implements RuleChange {
        public <E extends Exception> void applyTo(Handler<E> h) throws E { h.editService(this); }
        public EditService { Objects.requireNonNull(service, "service"); }
        public CommandKind kind() { return CommandKind.EDIT_SERVICE; }
        public ServiceKey serviceKey() { return service.key(); }
    }

    /** {@code -D}. */
    record DeleteService(ServiceKey serviceKey) implements RuleChange {
        public <E extends Exception> void applyTo(Handler<E> h) throws E { h.deleteService(this); }
        public DeleteService { Objects.requireNonNull(serviceKey, "serviceKey"); }
        public CommandKind kind() { return CommandKind.DELETE_SERVICE; }
    }

    /** {@code -C}. */
    record Flush() implements RuleChange {
        public <E extends Exception> void applyTo(Handler<E> h) throws E { h.flush(this); }
        public CommandKind kind() { return CommandKind.FLUSH; }
    }

    /** {@code -a}: the full real-server definition. */
    record AddServer(ServiceKey serviceKey, RealServerConfig server) implements RuleChange {
        public <E extends Exception> void applyTo(Handler<E> h) throws E { h.addServer(this); }
        public AddServer {
            Objects.requireNonNull(serviceKey, "serviceKey");
            Objects.requireNonNull(server, "server");
        }
        public CommandKind kind() { return CommandKind.ADD_SERVER; }
    }

    /** {@code -e}: a full replacement of the real server's settings. */
    record EditServer(ServiceKey serviceKey, RealServerConfig server) implements RuleChange {
        public <E extends Exception> void applyTo(Handler<E> h) throws E { h.editServer(this); }
        public EditServer {
            Objects.requireNonNull(serviceKey, "serviceKey");
            Objects.requireNonNull(server, "server");
        }
        public CommandKind kind() { return CommandKind.EDIT_SERVER; }
    }

    /** {@code -d}: only the server's address and port matter. */
    record DeleteServer(ServiceKey serviceKey, RealServerConfig server) implements RuleChange {
        public <E extends Exception> void applyTo(Handler<E> h) throws E { h.deleteServer(this); }
        public DeleteServer {
            Objects.requireNonNull(serviceKey, "serviceKey");
            Objects.requireNonNull(server, "server");
        }
        public CommandKind kind() { return CommandKind.DELETE_SERVER; }
    }

    /** {@code -Z}, of one service or (empty) of all. */
    record Zero(Optional<ServiceKey> serviceKey) implements RuleChange {
        public <E extends Exception> void applyTo(Handler<E> h) throws E { h.zero(this); }
        public Zero { Objects.requireNonNull(serviceKey, "serviceKey"); }
        public CommandKind kind() { return CommandKind.ZERO; }
    }

    /** {@code --set tcp tcpfin udp}; a zero leaves that timeout as it is. */
    record SetTimeouts(Timeouts timeouts) implements RuleChange {
        public <E extends Exception> void applyTo(Handler<E> h) throws E { h.setTimeouts(this); }
        public SetTimeouts { Objects.requireNonNull(timeouts, "timeouts"); }
        public CommandKind kind() { return CommandKind.SET; }
    }

    /** {@code --start-daemon}. */
    record StartDaemon(SyncDaemonConfig daemon) implements DaemonChange {
        public StartDaemon { Objects.requireNonNull(daemon, "daemon"); }
        public CommandKind kind() { return CommandKind.START_DAEMON; }
    }

    /** {@code --stop-daemon}. */
    record StopDaemon(SyncDaemonConfig daemon) implements DaemonChange {
        public StopDaemon { Objects.requireNonNull(daemon, "daemon"); }
        public CommandKind kind() { return CommandKind.STOP_DAEMON; }
    }

    /** {@code -L}: the services, all or (when given) one. */
    record ListServices(Optional<ServiceKey> serviceKey, ListOptions options) implements Query {
        public <R, E extends Exception> R answer(Handler<R, E> h) throws E { return h.listServices(this); }
        public ListServices {
            Objects.requireNonNull(serviceKey, "serviceKey");
            Objects.requireNonNull(options, "options");
        }
        public CommandKind kind() { return CommandKind.LIST; }
    }

    /** {@code -L -c}: the connection table. */
    record ListConnections(ListOptions options) implements Query {
        public <R, E extends Exception> R answer(Handler<R, E> h) throws E { return h.listConnections(this); }
        public ListConnections { Objects.requireNonNull(options, "options"); }
        public CommandKind kind() { return CommandKind.LIST; }
    }

    /** {@code -L --timeout}. */
    record ListTimeouts() implements Query {
        public <R, E extends Exception> R answer(Handler<R, E> h) throws E { return h.listTimeouts(this); }
        public CommandKind kind() { return CommandKind.LIST; }
    }

    /** {@code -L --daemon}. */
    record ListDaemons() implements Query {
        public <R, E extends Exception> R answer(Handler<R, E> h) throws E { return h.listDaemons(this); }
        public CommandKind kind() { return CommandKind.LIST; }
    }

    /** {@code -S}. */
    record Save(boolean numeric) implements Query {
        public <R, E extends Exception> R answer(Handler<R, E> h) throws E { return h.save(this); }
        public CommandKind kind() { return CommandKind.SAVE; }
    }

    /** {@code -R}: the batch itself is read from standard input by the CLI. */
    record Restore() implements Query {
        public <R, E extends Exception> R answer(Handler<R, E> h) throws E { return h.restore(this); }
        public CommandKind kind() { return CommandKind.RESTORE; }
    }

    /** {@code -h}. */
    record Help() implements Query {
        public <R, E extends Exception> R answer(Handler<R, E> h) throws E { return h.help(this); }
        public CommandKind kind() { return CommandKind.HELP; }
    }

    /** {@code -v}. */
    record Version() implements Query {
        public <R, E extends Exception> R answer(Handler<R, E> h) throws E { return h.version(this); }
        public CommandKind kind() { return CommandKind.VERSION; }
    }
}

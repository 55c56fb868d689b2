package dev.jvs.model;

import java.util.Objects;

/**
 * One parsed ipvsadm invocation. Fields that the command does not use are null.
 *
 * @param service  the full service definition for -A/-E; for other commands only its key matters
 * @param server   the full real-server definition for -a/-e; for -d only address and port matter
 * @param list     output modifiers for -L and -S
 * @param timeouts values of --set
 * @param daemon   arguments of --start-daemon/--stop-daemon
 */
public record Command(CommandKind kind, ServiceConfig service, RealServerConfig server,
                      ListOptions list, Timeouts timeouts, SyncDaemonConfig daemon) {

    public Command {
        Objects.requireNonNull(kind, "kind");
    }

    public ServiceKey serviceKey() { return service == null ? null : service.key(); }

    public static Command of(CommandKind kind) { return new Command(kind, null, null, null, null, null); }
}

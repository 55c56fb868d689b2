package dev.jvs.healthcheck.config;

import java.util.List;
import java.util.Optional;

/**
 * A script keepalived would run (notify_up, misc_path, quorum_up, ...): its argument vector and the
 * identity to run it as ({@code SCRIPT [user [group]]}; empty = the global script_user).
 */
public record ScriptDef(List<String> command, Optional<String> user, Optional<String> group, Location location) {

    public ScriptDef {
        command = List.copyOf(command);
    }

    /** The command line as written, for log lines. */
    public String text() {
        return String.join(" ", command);
    }

    /** Where it was written is not part of what it is: a reload that only moves lines changes nothing. */
    @Override
    public boolean equals(Object o) {
        return o instanceof ScriptDef s && command.equals(s.command) && user.equals(s.user) && group.equals(s.group);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(command, user, group);
    }
}

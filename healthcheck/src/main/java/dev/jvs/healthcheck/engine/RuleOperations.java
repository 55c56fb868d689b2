package dev.jvs.healthcheck.engine;

import dev.jvs.model.Command;
import dev.jvs.model.IpvsadmException;

import java.util.List;

/**
 * The engine's only way to change the table: a batch of ipvsadm commands ({@code -A/-E/-D/-a/-e/-d}), applied
 * all-or-nothing through the same path as the CLI. The director implements it; healthcheck does not depend on
 * the director.
 */
@FunctionalInterface
public interface RuleOperations {
    void apply(List<Command> commands) throws IpvsadmException;
}

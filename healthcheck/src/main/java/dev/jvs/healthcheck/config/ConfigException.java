package dev.jvs.healthcheck.config;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The configuration, or one value in it, cannot be used; carries every problem found, each naming its file and
 * line. The one error type of the keepalived reader: the tree reader, the value parsers ({@link ConfigValues}),
 * the LVS and the VRRP side all use it.
 */
public final class ConfigException extends Exception {

    private final List<ConfigProblem> problems;

    public ConfigException(List<ConfigProblem> problems) {
        super(problems.stream().map(ConfigProblem::toString).collect(Collectors.joining("\n")));
        this.problems = List.copyOf(problems);
    }

    /** One error about the line {@code node}: a bad value, a missing argument, ... */
    public static ConfigException at(ConfigNode node, String message) {
        return new ConfigException(List.of(new ConfigProblem(ConfigProblem.Severity.ERROR, node.location(), message)));
    }

    /** The text of the first problem, without its location: for a caller that words it into its own message. */
    public String reason() {
        return problems.isEmpty() ? getMessage() : problems.get(0).message();
    }

    public List<ConfigProblem> problems() {
        return problems;
    }
}

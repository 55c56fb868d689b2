package dev.jvs.healthcheck.config;

import java.util.List;
import java.util.Optional;

/**
 * One keyword line of a keepalived configuration, with its arguments and, for a block, its children.
 * The tree keeps every section (VRRP, global_defs, ...) whether or not JVS acts on it yet.
 *
 * @param block true when the keyword opened a {@code { ... }} body (possibly empty)
 */
public record ConfigNode(String keyword, List<String> args, List<ConfigNode> children, boolean block,
                         Location location) {

    public ConfigNode {
        args = List.copyOf(args);
        children = List.copyOf(children);
    }

    /** The argument at {@code index}, if present. */
    public Optional<String> arg(int index) {
        return index < args.size() ? Optional.of(args.get(index)) : Optional.empty();
    }

    /** Children with this keyword, in file order. */
    public List<ConfigNode> children(String name) {
        return children.stream().filter(c -> c.keyword.equals(name)).toList();
    }

    /** The last child with this keyword (keepalived lets a later line override an earlier one). */
    public Optional<ConfigNode> child(String name) {
        ConfigNode found = null;
        for (ConfigNode c : children) if (c.keyword.equals(name)) found = c;
        return Optional.ofNullable(found);
    }

    @Override
    public String toString() {
        return keyword + (args.isEmpty() ? "" : " " + String.join(" ", args)) + (block ? " {...}" : "")
                + " (" + location + ")";
    }
}

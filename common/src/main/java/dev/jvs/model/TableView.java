package dev.jvs.model;

import java.util.List;

/**
 * A consistent copy of the director's table for listings and saving.
 *
 * @param connTableSize bucket count of the connection table, the {@code (size=N)} of the version line
 * @param services      in the director's own order (what {@code --nosort} shows)
 */
public record TableView(int connTableSize, List<ServiceView> services, Timeouts timeouts) {
    public TableView {
        services = List.copyOf(services);
    }
}

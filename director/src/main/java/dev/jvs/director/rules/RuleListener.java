package dev.jvs.director.rules;

import dev.jvs.model.ServiceKey;

import java.util.List;

/** Told about the table on its own control thread: once when it subscribes, then after successful batches. */
@FunctionalInterface
public interface RuleListener {

    /** @param services the current services, creation order, immutable */
    void rulesChanged(List<VirtualService> services);

    /**
     * Why this listener does not carry the traffic of service {@code key} although the last table it was given
     * asks it to (e.g. the service's listening socket could not be bound), or null. A data path answers it
     * once it has taken a change in ({@link RuleTable#awaitDataPaths}), so that {@code ipvsadm} can report it.
     */
    default String problem(ServiceKey key) {
        return null;
    }
}

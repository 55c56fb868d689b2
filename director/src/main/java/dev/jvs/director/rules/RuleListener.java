package dev.jvs.director.rules;

import java.util.List;

/** Told about the table on its own control thread: once when it subscribes, then after successful batches. */
@FunctionalInterface
public interface RuleListener {

    /** @param services the current services, creation order, immutable */
    void rulesChanged(List<VirtualService> services);
}

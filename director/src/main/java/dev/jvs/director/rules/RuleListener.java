package dev.jvs.director.rules;

import java.util.List;

/** Told, on the writer thread, after every successful batch. */
@FunctionalInterface
public interface RuleListener {

    /** @param services the current services, creation order, immutable */
    void rulesChanged(List<VirtualService> services);
}

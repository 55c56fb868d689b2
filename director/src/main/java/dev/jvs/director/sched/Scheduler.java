package dev.jvs.director.sched;

import dev.jvs.director.rules.Dest;

import java.util.List;

/**
 * One IPVS scheduling algorithm bound to one virtual service. The hooks mirror the kernel's
 * {@code ip_vs_scheduler} callbacks so that every algorithm (rr wrr lc wlc lblc lblcr dh sh sed nq fo ovf mh
 * twos) can reproduce the kernel's exact choices.
 *
 * <p>Every list passed in is the service's destination list in kernel order: newest first, because the kernel
 * inserts a new real server at the head. Instances are not thread-safe: the owning service calls every hook and
 * {@link #schedule} under its own per-service lock, and each service gets a fresh instance from
 * {@link Schedulers#create}.
 */
public interface Scheduler {

    /** The name ipvsadm uses ({@code -s NAME}). */
    String name();

    /**
     * The scheduler was bound to a service ({@code -A}, or {@code -E} with a different name). Stateless
     * schedulers have nothing to set up.
     */
    default void initService(List<Dest> dests) {
    }

    /** The scheduler is being unbound (service deleted, or {@code -E} switched to another scheduler). */
    default void doneService() {
    }

    /** {@code dest} was just inserted at index 0 of {@code dests}. */
    default void addDest(List<Dest> dests, Dest dest) {
    }

    /** {@code dest} was just unlinked from position {@code formerIndex}; {@code dests} no longer contains it. */
    default void delDest(List<Dest> dests, Dest dest, int formerIndex) {
    }

    /** {@code dest} was edited in place ({@code -e}); its position did not change. */
    default void updDest(List<Dest> dests, Dest dest) {
    }

    /** Picks the destination for a new connection, or null when none is eligible. */
    Dest schedule(ScheduleContext ctx);
}

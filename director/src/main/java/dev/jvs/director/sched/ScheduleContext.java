package dev.jvs.director.sched;

import dev.jvs.director.rules.Dest;
import dev.jvs.director.rules.VirtualService;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * What a scheduler sees for one new connection.
 *
 * @param service the virtual service being scheduled
 * @param dests   its current destination list, kernel order (newest first), immutable
 * @param client  the client's address and port (the hashing schedulers key on it)
 */
public record ScheduleContext(VirtualService service, List<Dest> dests, InetSocketAddress client) {
}

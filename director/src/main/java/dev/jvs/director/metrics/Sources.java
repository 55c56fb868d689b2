package dev.jvs.director.metrics;

import dev.jvs.director.conn.ConnectionTable;
import dev.jvs.director.control.CommandExecutor;
import dev.jvs.director.nat.NatProxy;
import dev.jvs.director.packet.PacketPath;
import dev.jvs.director.rules.RuleTable;
import dev.jvs.director.sync.SyncDaemons;
import dev.jvs.director.vrrp.VrrpInstance;
import dev.jvs.healthcheck.engine.RealServerHealth;

import java.util.List;
import java.util.function.Supplier;

/**
 * Where metrics and the status page read the director's state, at scrape or request time, on the HTTP server's
 * thread: the rule table's current snapshot and counters, and small getters on the other components.
 *
 * @param health the health checks' view (empty without {@code --keepalived-conf})
 * @param vrrp   the VRRP instances (empty without VRRP)
 */
public record Sources(RuleTable rules, ConnectionTable connections, PacketPath packets, NatProxy nat,
                      SyncDaemons sync, CommandExecutor control, Supplier<List<RealServerHealth>> health,
                      Supplier<List<VrrpInstance>> vrrp) {
}

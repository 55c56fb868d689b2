package dev.jvs.director.sync;

import dev.jvs.director.conn.Connection;
import dev.jvs.director.conn.ConnectionTable;
import dev.jvs.director.conn.TcpState;
import dev.jvs.director.rules.Dest;
import dev.jvs.director.rules.RuleTable;
import dev.jvs.director.rules.VirtualService;
import dev.jvs.model.Protocol;
import dev.jvs.model.ServiceKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Installs received records in the connection table as a kernel backup does, without scheduling: the record's
 * real server is looked up in the local rules by (virtual service, real address:port). Templates become
 * templates (so {@code Scheduling.newConnection} sends a returning client to the same real server after a
 * failover), connections become connections, each with the record's state and timeout, counted in the real
 * server's persistconns / activeconns / inactconns.
 */
public final class TableInstaller implements ConnectionInstaller {

    private static final Logger log = LoggerFactory.getLogger(TableInstaller.class);
    private static final int FTP_PORT = 21;

    private final RuleTable rules;
    private final ConnectionTable table;
    private final LongSupplier clock;

    public TableInstaller(RuleTable rules, ConnectionTable table, LongSupplier clock) {
        this.rules = rules;
        this.table = table;
        this.clock = clock;
    }

    @Override
    public boolean install(SyncRecord r) {
        Protocol protocol = r.protocol() == 6 ? Protocol.TCP : r.protocol() == 17 ? Protocol.UDP : null;
        if (protocol == null) {
            return false; // the table tracks TCP and UDP only
        }
        Dest dest = findDest(protocol, r);
        if (dest == null) {
            // IPVS would keep an unbound entry; a JVS entry always has its server, so without one there is none.
            log.debug("sync record for {}:{} -> {}:{}: no such real server here, not installed",
                    r.virtual().getHostAddress(), r.virtualPort(), r.destination().getHostAddress(),
                    r.destinationPort());
            return true;
        }
        InetSocketAddress client = new InetSocketAddress(r.client(), r.clientPort());
        InetSocketAddress virtual = new InetSocketAddress(r.virtual(), r.virtualPort());
        InetSocketAddress destination = new InetSocketAddress(r.destination(), r.destinationPort());
        TcpState state = protocol == Protocol.TCP && !r.template() ? TcpState.values()[r.state()] : TcpState.NONE;
        long now = clock.getAsLong();
        long timeout = TimeUnit.SECONDS.toNanos(r.timeoutSecondsOrDefault());
        for (int attempt = 0; attempt < 3; attempt++) {
            Connection existing = table.get(protocol, client, virtual);
            if (existing != null && existing.isTemplate() != r.template()) {
                return true; // a key cannot be both; never happens with IPVS keys
            }
            if (existing != null && !r.template() && !existing.destination().equals(destination)) {
                if (r.inactive() || existing.held()) {
                    // The tail of a connection already replaced (IPVS), or one this director proxies itself.
                    return true;
                }
                table.remove(existing); // the client reconnected elsewhere: the new one wins
                existing = null;
            }
            if (existing != null) {
                // A template keeps its real server, as in IPVS; both take the record's state and timeout.
                existing.applySynced(state, timeout, now);
                if (r.template()) existing.syncedTemplateState(r.state());
                return true;
            }
            Connection entry = r.template()
                    ? Connection.template(protocol, client, virtual, dest, r.destinationPort(), table.timeouts(),
                    timeout, now)
                    : Connection.synced(protocol, client, virtual, dest, destination, state, table.timeouts(),
                    timeout, now);
            if (r.template()) entry.syncedTemplateState(r.state());
            if (table.insert(entry)) {
                return true;
            }
            entry.unbind(); // someone inserted the key meanwhile: update theirs
        }
        return true;
    }

    /**
     * The virtual service by its address and port (FTP templates carry port 0; a port-0 service takes any port),
     * then the real server by address and port (port 0 in templates of port-0 and FTP services).
     */
    private Dest findDest(Protocol protocol, SyncRecord r) {
        InetAddress vaddr = r.virtual();
        int vport = r.virtualPort();
        VirtualService service = rules.find(ServiceKey.of(protocol, vaddr, vport));
        if (service == null && vport == 0) service = rules.find(ServiceKey.of(protocol, vaddr, FTP_PORT));
        if (service == null && vport != 0) service = rules.find(ServiceKey.of(protocol, vaddr, 0));
        if (service == null) return null;
        return destOf(service, r);
    }

    /**
     * The record's real server in {@code service} by address and port (port 0 in templates of port-0 and FTP
     * services; a real server without a port receives the virtual port), or null. Shared with the packet path's
     * installer.
     */
    public static Dest destOf(VirtualService service, SyncRecord r) {
        int dport = r.destinationPort();
        for (Dest d : service.dests()) {
            if (!d.config().address().equals(r.destination())) continue;
            int port = d.config().port();
            if (port == dport || dport == 0 || port == 0 && dport == r.virtualPort()) return d;
        }
        return null;
    }
}

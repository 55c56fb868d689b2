package dev.jvs.director.packet;

import dev.jvs.director.net.AddressWords;
import dev.jvs.director.rules.Dest;
import dev.jvs.director.rules.VirtualService;
import dev.jvs.director.sync.ConnectionInstaller;
import dev.jvs.director.sync.SyncRecord;
import dev.jvs.director.sync.TableInstaller;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Installs received records of direct-routing and tunnel services in the packet path's flow table (backup),
 * without scheduling: the record names the real server, and the flow takes the record's state and timeout. After
 * a failover the new master finds the flow and forwards its packets to the same real server. Templates and
 * records of services the packet path does not forward are left to the next installer (the connection table).
 */
final class FlowInstaller implements ConnectionInstaller {

    private static final Logger log = LoggerFactory.getLogger(FlowInstaller.class);
    private static final int IPPROTO_TCP = 6;
    private static final int IPPROTO_UDP = 17;

    private final PacketForwarder forwarder;
    /** Runs a change on the packet thread, which alone touches the flow table. */
    private final Consumer<Runnable> onPacketThread;
    /** Whether this thread's copy of a synced flow counts in its server's numbers (one thread's does). */
    private final boolean counts;

    FlowInstaller(PacketForwarder forwarder, Consumer<Runnable> onPacketThread) {
        this(forwarder, onPacketThread, true);
    }

    FlowInstaller(PacketForwarder forwarder, Consumer<Runnable> onPacketThread, boolean counts) {
        this.forwarder = forwarder;
        this.onPacketThread = onPacketThread;
        this.counts = counts;
    }

    @Override
    public boolean install(SyncRecord r) {
        int protocol = r.protocol();
        if (r.template() || protocol != IPPROTO_TCP && protocol != IPPROTO_UDP) return false;
        boolean ipv6 = r.ipv6();
        long virtualHi = AddressWords.high(r.virtual());
        long virtualLo = AddressWords.low(r.virtual());
        VirtualService service = forwarder.plan.services.find(virtualHi, virtualLo, ipv6, protocol, r.virtualPort());
        if (service == null) return false;
        Dest dest = TableInstaller.destOf(service, r);
        if (dest == null) {
            log.debug("sync record for {}:{} -> {}:{}: no such real server here, not installed",
                    r.virtual().getHostAddress(), r.virtualPort(), r.destination().getHostAddress(),
                    r.destinationPort());
            return true;
        }
        long clientHi = AddressWords.high(r.client());
        long clientLo = AddressWords.low(r.client());
        long ports = FlowTable.portsWord(protocol, ipv6, r.clientPort(), r.virtualPort());
        byte state = protocol == IPPROTO_TCP ? (byte) r.state() : FlowTable.UDP_STATE;
        long timeoutNanos = TimeUnit.SECONDS.toNanos(r.timeoutSecondsOrDefault());
        boolean inactive = r.inactive();
        onPacketThread.accept(() -> {
            FlowTable flows = forwarder.flows;
            long now = System.nanoTime();
            int slot = flows.find(clientHi, clientLo, virtualHi, virtualLo, ports);
            if (slot >= 0 && flows.dest(slot) != dest) {
                if (inactive) return; // the tail of a flow already replaced (IPVS ignores it)
                flows.remove(slot); // the client reconnected elsewhere: the new one wins
                slot = -1;
            }
            if (slot >= 0) {
                flows.applySynced(slot, state, timeoutNanos, now);
            } else if (flows.insertSynced(clientHi, clientLo, virtualHi, virtualLo, ports, dest, state, timeoutNanos,
                    now, counts) < 0) {
                forwarder.counters.flowTableFull++;
            }
        });
        return true;
    }
}

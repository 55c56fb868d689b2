package dev.jvs.director.packet;

import dev.jvs.director.conn.Connection;
import dev.jvs.director.net.AddressWords;
import dev.jvs.director.rules.Dest;
import dev.jvs.director.sync.SyncWire;
import dev.jvs.director.conn.SyncedConnection;
import dev.jvs.model.Protocol;
import dev.jvs.model.Timeouts;

import java.net.InetSocketAddress;
import java.util.function.Supplier;

/**
 * A packet flow as the sync master sees it: one reusable view owned by the packet thread and pointed at a slot
 * before each announcement, so announcing allocates nothing. The master copies what it sends before
 * {@code packetIn} returns; only then are the addresses built, once per record written (every P-th packet or a
 * state change), never per packet.
 */
final class FlowSyncView implements SyncedConnection {

    private final FlowTable flows;
    private final Supplier<Timeouts> timeouts;
    private int slot;

    FlowSyncView(FlowTable flows, Supplier<Timeouts> timeouts) {
        this.flows = flows;
        this.timeouts = timeouts;
    }

    FlowSyncView at(int slot) {
        this.slot = slot;
        return this;
    }

    private boolean ipv6() {
        return ((flows.keyWord(slot, 4) >>> 32) & 1) != 0;
    }

    @Override
    public Protocol protocol() {
        return flows.isTcp(slot) ? Protocol.TCP : Protocol.UDP;
    }

    @Override
    public InetSocketAddress client() {
        return new InetSocketAddress(AddressWords.address(ipv6(), flows.keyWord(slot, 0), flows.keyWord(slot, 1)),
                (int) ((flows.keyWord(slot, 4) >>> 16) & 0xffff));
    }

    @Override
    public InetSocketAddress virtual() {
        return new InetSocketAddress(AddressWords.address(ipv6(), flows.keyWord(slot, 2), flows.keyWord(slot, 3)),
                virtualPort());
    }

    private int virtualPort() {
        return (int) (flows.keyWord(slot, 4) & 0xffff);
    }

    @Override
    public InetSocketAddress destination() {
        Dest d = flows.dest(slot);
        int port = d.config().port();
        return new InetSocketAddress(d.config().address(), port == 0 ? virtualPort() : port);
    }

    @Override
    public int syncFlags() {
        int flags = flows.dest(slot).method().code();
        return flows.isTcp(slot) && flows.tcpState(slot).isActive() ? flags : flags | SyncWire.FLAG_INACTIVE;
    }

    @Override
    public int syncState() {
        return flows.isTcp(slot) ? flows.tcpState(slot).ordinal() : 0; // TcpState is in the kernel's order
    }

    @Override
    public long timeoutSeconds() {
        return FlowTable.timeoutNanos(flows.rawState(slot), timeouts.get()) / 1_000_000_000L;
    }

    @Override
    public Connection controller() {
        return flows.template(slot);
    }

    /** The real server sees the client's own packets: another director can carry the flow on. */
    @Override
    public boolean movable() {
        return true;
    }

    @Override
    public int countPacketIn() {
        return flows.countPacketIn(slot);
    }

    @Override
    public int lastSyncedState() {
        return flows.lastSyncedState(slot);
    }

    @Override
    public void lastSyncedState(int state) {
        flows.lastSyncedState(slot, state);
    }

    @Override
    public String toString() {
        return "flow " + client() + " -> " + virtual() + " -> " + destination();
    }
}

package dev.jvs.director.packet;

import dev.jvs.director.conn.Connection;
import dev.jvs.director.conn.Direction;
import dev.jvs.director.conn.TcpEvent;
import dev.jvs.director.conn.TcpState;
import dev.jvs.director.rules.Dest;
import dev.jvs.model.Timeouts;

/**
 * Packet flows (client address:port, virtual address:port, protocol) to the real server they were scheduled to,
 * with IPVS's input-only TCP state and per-state expiry. Owned by the packet thread: no locks, no allocation
 * after construction. Open addressing with linear probing over keys packed into five longs per slot; deletion
 * shifts followers back, so there are no tombstones and lookups stay short.
 *
 * <p>Key layout: client address (high, low 64 bits; IPv4 in the low word), virtual address (high, low), and one
 * word holding protocol, family, client port and virtual port.
 */
public final class FlowTable {

    /** State code of a UDP flow (UDP has no state machine); TCP flows use {@link TcpState#ordinal()}. */
    static final byte UDP_STATE = -1;

    private static final int KEY_WORDS = 5;
    private static final TcpState[] TCP_STATES = TcpState.values();

    private final int capacity;
    private final int mask;
    private final int maxFlows;
    private final long[] keys;
    private final boolean[] used;
    private final Dest[] dests;
    private final byte[] states;
    private final long[] expiresAt;
    /** The persistence template controlling the flow, or null; detached when the flow ends. */
    private final Connection[] templates;
    /** Sync master bookkeeping per flow: incoming packets and the state last considered sent. */
    private final int[] packetsIn;
    private final byte[] lastSyncedStates;
    /**
     * A synced flow's copy that does not count in its server's connection numbers: a backup installs a synced flow
     * in every packet thread (which one the kernel's fan-out hands its packets to is unknown), and only one copy
     * may count, or ActiveConn/InActConn would show it once per thread.
     */
    private final boolean[] uncounted;
    private int size;
    private long rejectedWhenFull;

    /** @param maxFlows the bound; the slot array is the next power of two at least 4/3 of it */
    public FlowTable(int maxFlows) {
        if (maxFlows < 1) throw new IllegalArgumentException("maxFlows " + maxFlows);
        int slots = Integer.highestOneBit(Math.max(4, maxFlows + maxFlows / 3) * 2 - 1);
        this.capacity = slots;
        this.mask = slots - 1;
        this.maxFlows = maxFlows;
        this.keys = new long[slots * KEY_WORDS];
        this.used = new boolean[slots];
        this.dests = new Dest[slots];
        this.states = new byte[slots];
        this.expiresAt = new long[slots];
        this.templates = new Connection[slots];
        this.packetsIn = new int[slots];
        this.lastSyncedStates = new byte[slots];
        this.uncounted = new boolean[slots];
    }

    public static long portsWord(int protocol, boolean ipv6, int clientPort, int virtualPort) {
        return ((long) protocol << 40) | ((ipv6 ? 1L : 0L) << 32) | ((long) clientPort << 16) | virtualPort;
    }

    public int size() {
        return size;
    }

    public int maxFlows() {
        return maxFlows;
    }

    /** New flows refused because the table was full. */
    public long rejectedWhenFull() {
        return rejectedWhenFull;
    }

    /** @return the slot of the flow, or -1 */
    public int find(long clientHi, long clientLo, long virtualHi, long virtualLo, long ports) {
        int slot = hash(clientHi, clientLo, virtualHi, virtualLo, ports) & mask;
        while (used[slot]) {
            int k = slot * KEY_WORDS;
            if (keys[k + 4] == ports && keys[k + 1] == clientLo && keys[k + 3] == virtualLo
                    && keys[k] == clientHi && keys[k + 2] == virtualHi) {
                return slot;
            }
            slot = (slot + 1) & mask;
        }
        return -1;
    }

    /**
     * Adds a flow bound to {@code dest} (the server's inactconns grows), in state NONE (TCP) or UDP.
     *
     * @return its slot, or -1 when the table is full (counted)
     */
    public int insert(long clientHi, long clientLo, long virtualHi, long virtualLo, long ports, Dest dest,
                      boolean tcp, long nowNanos, Timeouts timeouts) {
        byte state = tcp ? (byte) TcpState.NONE.ordinal() : UDP_STATE;
        int slot = place(clientHi, clientLo, virtualHi, virtualLo, ports, dest, state);
        if (slot < 0) return -1;
        expiresAt[slot] = nowNanos + timeoutNanos(state, timeouts);
        dest.bindConnection();
        return slot;
    }

    /**
     * Adds a flow received from the sync master (backup): bound to {@code dest} without counting as scheduled,
     * in {@code state} (a TCP state's ordinal, or {@link #UDP_STATE}), expiring {@code timeoutNanos} from now
     * unless a packet re-arms it.
     *
     * @return its slot, or -1 when the table is full (counted)
     */
    public int insertSynced(long clientHi, long clientLo, long virtualHi, long virtualLo, long ports, Dest dest,
                            byte state, long timeoutNanos, long nowNanos) {
        return insertSynced(clientHi, clientLo, virtualHi, virtualLo, ports, dest, state, timeoutNanos, nowNanos,
                true);
    }

    /**
     * As {@link #insertSynced(long, long, long, long, long, Dest, byte, long, long)}; with {@code counted} false
     * the copy never moves its server's connection numbers (another packet thread's copy counts the flow).
     */
    public int insertSynced(long clientHi, long clientLo, long virtualHi, long virtualLo, long ports, Dest dest,
                            byte state, long timeoutNanos, long nowNanos, boolean counted) {
        // bound inactive first, then moved by the record's state like any state change
        byte initial = state == UDP_STATE ? UDP_STATE : (byte) TcpState.NONE.ordinal();
        int slot = place(clientHi, clientLo, virtualHi, virtualLo, ports, dest, initial);
        if (slot < 0) return -1;
        uncounted[slot] = !counted;
        if (counted) dest.bindSyncedConnection();
        applySynced(slot, state, timeoutNanos, nowNanos);
        return slot;
    }

    /** A sync record for this flow arrived (backup): its state, moving the server's counters, and its timeout. */
    public void applySynced(int slot, byte state, long timeoutNanos, long nowNanos) {
        if (states[slot] != UDP_STATE && state != UDP_STATE) moveTo(slot, TCP_STATES[state]);
        expiresAt[slot] = nowNanos + timeoutNanos;
    }

    private int place(long clientHi, long clientLo, long virtualHi, long virtualLo, long ports, Dest dest,
                      byte state) {
        if (size >= maxFlows) {
            rejectedWhenFull++;
            return -1;
        }
        int slot = hash(clientHi, clientLo, virtualHi, virtualLo, ports) & mask;
        while (used[slot]) slot = (slot + 1) & mask;
        int k = slot * KEY_WORDS;
        keys[k] = clientHi;
        keys[k + 1] = clientLo;
        keys[k + 2] = virtualHi;
        keys[k + 3] = virtualLo;
        keys[k + 4] = ports;
        used[slot] = true;
        dests[slot] = dest;
        states[slot] = state;
        templates[slot] = null;
        packetsIn[slot] = 0;
        lastSyncedStates[slot] = 0;
        uncounted[slot] = false;
        size++;
        return slot;
    }

    /** Puts the flow under a persistence template's control (the caller attached it); null for none. */
    public void controlledBy(int slot, Connection template) {
        templates[slot] = template;
    }

    /** The persistence template controlling the flow, or null. */
    public Connection template(int slot) {
        return templates[slot];
    }

    /** Counts one incoming packet for sync and returns the new count. */
    int countPacketIn(int slot) {
        return ++packetsIn[slot];
    }

    int lastSyncedState(int slot) {
        return lastSyncedStates[slot];
    }

    void lastSyncedState(int slot, int state) {
        lastSyncedStates[slot] = (byte) state;
    }

    /**
     * Feeds a TCP event of a client-to-server segment (the input-only table, replies never pass here), moves the
     * server's counters across the active/inactive boundary and re-arms the timer for the new state.
     */
    public TcpState onTcpSegment(int slot, TcpEvent event, long nowNanos, Timeouts timeouts) {
        TcpState old = TCP_STATES[states[slot]];
        TcpState next = old.next(Direction.INPUT_ONLY, event);
        moveTo(slot, next);
        if (next == TcpState.ESTABLISHED && old != next && templates[slot] != null) templates[slot].assure();
        expiresAt[slot] = nowNanos + timeoutNanos(states[slot], timeouts);
        return next;
    }

    /** Sets a TCP flow's state, moving the server's counter across the active/inactive boundary. */
    private void moveTo(int slot, TcpState next) {
        TcpState old = TCP_STATES[states[slot]];
        if (next == old) return;
        Dest dest = dests[slot];
        if (!uncounted[slot]) {
            if (next.isActive() && !old.isActive()) dest.moveToActive();
            else if (!next.isActive() && old.isActive()) dest.moveToInactive();
        }
        states[slot] = (byte) next.ordinal();
    }

    /** A UDP datagram (or any packet of a stateless flow) re-arms the timer. */
    public void touch(int slot, long nowNanos, Timeouts timeouts) {
        expiresAt[slot] = nowNanos + timeoutNanos(states[slot], timeouts);
    }

    /** Unbinds the flow from its server and frees the slot. */
    public void remove(int slot) {
        Dest dest = dests[slot];
        byte state = states[slot];
        if (!uncounted[slot]) dest.unbind(state != UDP_STATE && TCP_STATES[state].isActive());
        Connection template = templates[slot];
        if (template != null) template.detach(); // the template may expire once its last flow is gone
        delete(slot);
    }

    /**
     * Removes every flow whose timer ran out.
     *
     * @return how many were removed
     */
    public int expire(long nowNanos) {
        int removed = 0;
        int slot = 0;
        while (slot < capacity) {
            if (used[slot] && nowNanos - expiresAt[slot] >= 0) {
                remove(slot);
                removed++;
                // the backward shift may have moved a later entry into this slot: look at it again
                continue;
            }
            slot++;
        }
        return removed;
    }

    public Dest dest(int slot) {
        return dests[slot];
    }

    public boolean isTcp(int slot) {
        return states[slot] != UDP_STATE;
    }

    public TcpState tcpState(int slot) {
        return TCP_STATES[states[slot]];
    }

    /** The state name {@code ipvsadm -Lc} shows. */
    public String stateName(int slot) {
        return states[slot] == UDP_STATE ? "UDP" : TCP_STATES[states[slot]].label();
    }

    /** The state code: a TCP state's ordinal, or {@link #UDP_STATE}. */
    byte rawState(int slot) {
        return states[slot];
    }

    public long expiresAtNanos(int slot) {
        return expiresAt[slot];
    }

    public long keyWord(int slot, int word) {
        return keys[slot * KEY_WORDS + word];
    }

    /** Visits every live slot (for listings; runs on the owning thread). */
    public void forEachSlot(java.util.function.IntConsumer visitor) {
        for (int slot = 0; slot < capacity; slot++) {
            if (used[slot]) visitor.accept(slot);
        }
    }

    static long timeoutNanos(byte state, Timeouts t) {
        int seconds;
        if (state == UDP_STATE) {
            seconds = t.udp();
        } else if (state == TcpState.ESTABLISHED.ordinal()) {
            seconds = t.tcp();
        } else if (state == TcpState.FIN_WAIT.ordinal()) {
            seconds = t.tcpFin();
        } else {
            seconds = TCP_STATES[state].defaultTimeoutSeconds();
        }
        return seconds * 1_000_000_000L;
    }

    /** Linear-probing deletion that shifts followers back into the hole (Knuth's algorithm R). */
    private void delete(int slot) {
        int hole = slot;
        int next = (hole + 1) & mask;
        while (used[next]) {
            int k = next * KEY_WORDS;
            int home = hash(keys[k], keys[k + 1], keys[k + 2], keys[k + 3], keys[k + 4]) & mask;
            // move `next` into the hole unless its home lies cyclically in (hole, next]
            boolean stays = hole <= next ? (hole < home && home <= next) : (hole < home || home <= next);
            if (!stays) {
                System.arraycopy(keys, k, keys, hole * KEY_WORDS, KEY_WORDS);
                dests[hole] = dests[next];
                states[hole] = states[next];
                expiresAt[hole] = expiresAt[next];
                templates[hole] = templates[next];
                packetsIn[hole] = packetsIn[next];
                lastSyncedStates[hole] = lastSyncedStates[next];
                uncounted[hole] = uncounted[next];
                hole = next;
            }
            next = (next + 1) & mask;
        }
        used[hole] = false;
        dests[hole] = null;
        templates[hole] = null;
        size--;
    }

    private static int hash(long a, long b, long c, long d, long e) {
        long h = a * 0x9E3779B97F4A7C15L;
        h = (h ^ b) * 0xC2B2AE3D27D4EB4FL;
        h = (h ^ c) * 0x9E3779B97F4A7C15L;
        h = (h ^ d) * 0xC2B2AE3D27D4EB4FL;
        h = (h ^ e) * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }
}

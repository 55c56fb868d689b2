package dev.jvs.director.conn;

import dev.jvs.director.net.AddressWords;
import dev.jvs.director.rules.Dest;
import dev.jvs.model.Protocol;
import dev.jvs.model.Timeouts;

import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.Supplier;

/**
 * One tracked connection, bound to its real server from creation until it is unbound exactly once (expiry or
 * removal). The state, the hold count and the bound flag are guarded by this object's monitor; the table's
 * stripe locks are always taken before it, never after. Re-arming the timer ({@link #touch}, once per read)
 * takes no lock.
 *
 * <p>An entry outlives its sockets (TIME_WAIT and the other closing states), so it holds only what listings,
 * counters, sync and persistence need: its key, its real server, the real server's port, its state and timer.
 * Nothing here may refer to a channel once its owner has {@linkplain #onForcedExpiry released} it. The key is
 * kept as numbers, so that an entry is one object: about 110 bytes of heap (see {@code ConnectionFootprintTest}).
 */
public final class Connection implements SyncedConnection {

    private static final long NANOS_PER_SECOND = TimeUnit.SECONDS.toNanos(1);
    /** A template that fires while it still controls connections lives on in steps of 60 s. */
    static final long TEMPLATE_KEEPALIVE_NANOS = TimeUnit.SECONDS.toNanos(60);

    // The key, flat: an entry outlives its sockets by minutes and the young collections copy what lives, so it
    // is one object, not six (a key record, and an InetSocketAddress with its holder, address and holder).
    private final Protocol protocol;
    /** The service's address object, one per service (or per packet flow), never one per entry. */
    private final InetSocketAddress virtual;
    private final boolean clientIpv6;
    /** The client's address as numbers: IPv6 in both, IPv4 in the low 32 bits of {@code clientLow}. */
    private final long clientHigh;
    private final long clientLow;
    private final int clientPort;
    private final int keyHash;
    /** The real server's port actually used (its address is {@code dest}'s); 0 for some templates. */
    private final int destinationPort;
    private final Dest dest;
    private final Supplier<Timeouts> timeouts;

    /** Written under this object's monitor; volatile so that {@link #touch} can read it without the lock. */
    private volatile TcpState state; // NONE for UDP, which has no state machine
    private int holds;        // guarded by this
    private boolean bound;    // guarded by this
    private volatile long expiresAtNanos;

    /** Persistence templates only: their own timeout, and how many live connections they control. */
    private final boolean template;
    private static final int TEMPLATE_ASSURED = 1;
    /** Templates: NONE (false) or ASSURED, as the kernel's IP_VS_CTPL_S_* state. */
    private volatile boolean assured;
    private long templateTimeoutNanos; // guarded by this
    private int controlled;            // guarded by this
    /** The template this connection was created from (the kernel's "controlled by"), or null; set once. */
    private volatile Connection controller;
    /** Closes the sockets of a proxied connection when it is expired by force (expire_nodest_conn). */
    private volatile Runnable closer;

    /** Sync master bookkeeping: incoming packets (NAT: reads) and the state last considered sent. */
    private volatile int packetsIn;
    private static final AtomicIntegerFieldUpdater<Connection> PACKETS_IN =
            AtomicIntegerFieldUpdater.newUpdater(Connection.class, "packetsIn");
    private int lastSyncedState;

    /** Next entry in the same bucket; guarded by the table's stripe lock. */
    Connection chainNext;

    /**
     * Creates the connection already bound to {@code dest} (inactive until a state change says otherwise).
     * Only TCP and UDP are tracked.
     */
    public Connection(Protocol protocol, InetSocketAddress client, InetSocketAddress virtual, Dest dest,
                      Supplier<Timeouts> timeouts, long nowNanos) {
        // a real server without a port receives the virtual port
        this(protocol, client, virtual, Objects.requireNonNull(dest, "dest"),
                dest.config().port() == 0 ? virtual.getPort() : dest.config().port(), timeouts, false);
        dest.bindConnection();
        this.expiresAtNanos = nowNanos + timeoutNanos(TcpState.NONE);
    }

    /** What every entry sets first: its key, real server and timeouts, bound, in state NONE. */
    private Connection(Protocol protocol, InetSocketAddress client, InetSocketAddress virtual, Dest dest,
                       int destinationPort, Supplier<Timeouts> timeouts, boolean template) {
        if (protocol == Protocol.SCTP) {
            throw new IllegalArgumentException("SCTP connections are not tracked");
        }
        this.protocol = protocol;
        this.virtual = Objects.requireNonNull(virtual, "virtual");
        byte[] address = client.getAddress().getAddress();
        this.clientIpv6 = address.length == 16;
        this.clientHigh = AddressWords.high(address);
        this.clientLow = AddressWords.low(address);
        this.clientPort = client.getPort();
        this.keyHash = ConnectionKey.hash(protocol, clientIpv6, clientHigh, clientLow, clientPort, virtual);
        this.dest = dest;
        this.destinationPort = destinationPort;
        this.timeouts = Objects.requireNonNull(timeouts, "timeouts");
        this.state = TcpState.NONE;
        this.bound = true;
        this.template = template;
    }

    /**
     * A connection installed from a sync record (backup): bound to {@code dest} without counting as a scheduled
     * connection, in {@code state} (active or inactive by that state), expiring {@code timeoutNanos} from now
     * unless a packet re-arms it.
     */
    public static Connection synced(Protocol protocol, InetSocketAddress client, InetSocketAddress virtual,
                                    Dest dest, InetSocketAddress destination, TcpState state,
                                    Supplier<Timeouts> timeouts, long timeoutNanos, long nowNanos) {
        Connection c = new Connection(protocol, client, virtual, Objects.requireNonNull(dest), destination.getPort(),
                timeouts, false);
        dest.bindSyncedConnection();
        c.applySynced(state, timeoutNanos, nowNanos);
        return c;
    }

    /**
     * A sync record for this entry arrived (backup): take its state, moving the server counter if that crosses
     * the active/inactive boundary, and its timeout from now (a template keeps it as its persistence timeout).
     */
    public synchronized void applySynced(TcpState newState, long timeoutNanos, long nowNanos) {
        if (!bound) {
            return;
        }
        if (template) {
            templateTimeoutNanos = timeoutNanos;
        } else if (protocol == Protocol.TCP) {
            if (newState.isActive() != state.isActive()) {
                if (newState.isActive()) {
                    dest.moveToActive();
                } else {
                    dest.moveToInactive();
                }
            }
            state = newState;
        }
        expiresAtNanos = nowNanos + timeoutNanos;
    }

    /**
     * A persistence template bound to {@code dest} (counted in its persistconns): key {@code (protocol,
     * masked client:0, virtual)}, shown by {@code -Lc} as state NONE, then ASSURED once a connection it controls
     * was established (as the kernel shows templates of any protocol).
     *
     * @param destinationPort the server port, or 0 for templates of FTP, fwmark and port-0 services
     */
    public static Connection template(Protocol protocol, InetSocketAddress maskedClient, InetSocketAddress virtual,
                                      Dest dest, int destinationPort, Supplier<Timeouts> timeouts,
                                      long timeoutNanos, long nowNanos) {
        Connection t = new Connection(protocol, maskedClient, virtual, Objects.requireNonNull(dest), destinationPort,
                timeouts, true);
        t.templateTimeoutNanos = timeoutNanos;
        dest.bindTemplate();
        t.expiresAtNanos = nowNanos + timeoutNanos;
        return t;
    }

    public boolean isTemplate() {
        return template;
    }

    // ---- what the sync master reads (SyncedConnection) ----

    @Override
    public int syncFlags() {
        int flags = dest.method().code();
        if (template) {
            return flags | ConnFlags.TEMPLATE | ConnFlags.INACTIVE; // templates are bound inactive
        }
        return state().isActive() ? flags : flags | ConnFlags.INACTIVE;
    }

    @Override
    public int syncState() {
        if (template) return assured ? TEMPLATE_ASSURED : 0;
        return protocol == Protocol.TCP ? state().ordinal() : 0; // TcpState is in the kernel's order
    }

    @Override
    public synchronized long timeoutSeconds() {
        return TimeUnit.NANOSECONDS.toSeconds(timeoutNanos(state));
    }

    /**
     * Only templates: the table's other entries are NAT full-proxy connections, whose sockets cannot move to
     * another director (the packet path keeps its flows elsewhere).
     */
    @Override
    public boolean movable() {
        return template;
    }

    @Override
    public int countPacketIn() {
        return PACKETS_IN.incrementAndGet(this);
    }

    @Override
    public int lastSyncedState() {
        return lastSyncedState;
    }

    @Override
    public void lastSyncedState(int state) {
        lastSyncedState = state;
    }

    /** Templates: how many connections it controls right now. */
    public synchronized int controlledCount() {
        return controlled;
    }

    /** The template controlling this connection, or null. */
    @Override
    public Connection controller() {
        return controller;
    }

    /**
     * Counts one more controlled connection and re-arms the timer with the template's current timeout (the
     * persistence timeout, or 60 s once it has outlived it).
     *
     * @return false if the template was already unbound (expired meanwhile): do not use it
     */
    synchronized boolean attach(long nowNanos) {
        if (!bound) {
            return false;
        }
        controlled++;
        expiresAtNanos = nowNanos + templateTimeoutNanos;
        return true;
    }

    /** Links this new connection to the template that {@link #attach attached} it. */
    synchronized void controlledBy(Connection template) {
        controller = template;
    }

    /** One connection or packet flow this template controlled has ended. */
    public synchronized void detach() {
        controlled--;
    }

    /**
     * Lets the owner of a proxied connection close it when the table expires it by force; null once its sockets
     * are closed, so that the entry no longer keeps them reachable.
     */
    public void onForcedExpiry(Runnable closer) {
        this.closer = closer;
    }

    void runCloser() {
        Runnable c = closer;
        if (c != null) {
            c.run();
        }
    }

    /** The key as a record (a new object: for callers outside the table). */
    public ConnectionKey key() {
        return new ConnectionKey(protocol, client(), virtual);
    }

    /** {@code key().hashCode()}, computed once. */
    int keyHash() {
        return keyHash;
    }

    /** Whether this entry has {@code other}'s key. */
    boolean sameKey(Connection other) {
        return clientLow == other.clientLow && clientPort == other.clientPort && clientHigh == other.clientHigh
                && clientIpv6 == other.clientIpv6 && protocol == other.protocol && virtual.equals(other.virtual);
    }

    /** Whether this entry has the key {@code key}. */
    boolean hasKey(ConnectionKey key) {
        if (protocol != key.protocol() || clientPort != key.client().getPort() || !virtual.equals(key.virtual())) {
            return false;
        }
        byte[] address = key.client().getAddress().getAddress();
        return clientIpv6 == (address.length == 16) && clientLow == AddressWords.low(address)
                && clientHigh == AddressWords.high(address);
    }

    public Protocol protocol() {
        return protocol;
    }

    /** The client's address and port (a new object: for listings, sync and logs). */
    public InetSocketAddress client() {
        return new InetSocketAddress(AddressWords.address(clientIpv6, clientHigh, clientLow), clientPort);
    }

    public InetSocketAddress virtual() {
        return virtual;
    }

    /** The real server's address and the port actually used (a new object: for listings and logs). */
    public InetSocketAddress destination() {
        return new InetSocketAddress(dest.config().address(), destinationPort);
    }

    /** The real server's port actually used. */
    public int destinationPort() {
        return destinationPort;
    }

    public Dest dest() {
        return dest;
    }

    public TcpState state() {
        return state;
    }

    /** The state as {@code ipvsadm -Lc} names it: the TCP state, or {@code UDP}. */
    public String stateName() {
        if (template) return assured ? "ASSURED" : "NONE"; // the kernel's template states, whatever the protocol
        return protocol == Protocol.UDP ? "UDP" : state().label();
    }

    /**
     * Feeds one TCP event. Moves the server's connection between activeconns and inactconns when the new state
     * is on the other side of the boundary. Does nothing once the connection was unbound.
     *
     * @return the state after the event
     */
    public synchronized TcpState tcpEvent(Direction direction, TcpEvent event) {
        if (protocol != Protocol.TCP || template) {
            throw new IllegalStateException("not a TCP connection: " + this);
        }
        if (!bound) {
            return state;
        }
        TcpState next = state.next(direction, event);
        if (next.isActive() != state.isActive()) {
            if (next.isActive()) {
                dest.moveToActive();
            } else {
                dest.moveToInactive();
            }
        }
        if (next == TcpState.ESTABLISHED && state != next && controller != null) controller.assure();
        state = next;
        return next;
    }

    /**
     * Templates: a connection it controls became ESTABLISHED, so the kernel's template state goes from NONE to
     * ASSURED (listed by {@code -Lc}, sent in sync records as state 1). A plain write: the packet thread calls it.
     */
    public void assure() {
        if (template && !assured) assured = true;
    }

    /** Templates: whether {@link #assure} happened (or a sync record said so). */
    public boolean assured() {
        return assured;
    }

    /** Templates, on a backup: the template state a sync record carries (0 NONE, 1 ASSURED). */
    public void syncedTemplateState(int state) {
        if (template) assured = state == TEMPLATE_ASSURED;
    }

    /**
     * Pins the connection while a proxy owns open sockets for it: a held entry never expires.
     *
     * @return false if it already expired or was removed (the caller must not use it)
     */
    public synchronized boolean hold() {
        if (template) {
            throw new IllegalStateException("templates are never held");
        }
        if (!bound) {
            return false;
        }
        holds++;
        return true;
    }

    /** Drops one hold; when the last goes, the entry lives on for the timeout of its current state. */
    public synchronized void release(long nowNanos) {
        if (holds == 0) {
            throw new IllegalStateException("release without hold");
        }
        if (--holds == 0) {
            expiresAtNanos = nowNanos + timeoutNanos(state);
        }
    }

    public synchronized boolean held() {
        return holds > 0;
    }

    /**
     * A packet was seen: re-arm the timer with the current state's timeout (as every packet does). Lock-free: it
     * runs on every read; a race with a state change only re-arms with the other state's timeout, as a packet
     * that crossed the state change would.
     */
    public void touch(long nowNanos) {
        expiresAtNanos = nowNanos + timeoutNanos(state);
    }

    /**
     * Seconds left as {@code ipvsadm -Lnc} shows them. A held TCP entry always shows its full timeout (its sockets
     * are open); a held UDP entry counts down, as its session re-arms it with {@link #touch} on every datagram.
     */
    public long expiresInSeconds(long nowNanos) {
        return Math.max(0, expiresAtNanos - nowNanos) / NANOS_PER_SECOND;
    }

    /**
     * When the entry runs out if no packet re-arms it. The table never expires a held entry; its owner (the
     * NAT proxy) watches this deadline and ends its sockets when it passes, as IPVS expires an idle entry.
     */
    public long expiresAtNanos() {
        return expiresAtNanos;
    }

    public void countIn(long bytes) {
        dest.countIn(bytes);
    }

    public void countOut(long bytes) {
        dest.countOut(bytes);
    }

    /** The timeout of a state now: ESTABLISHED, FIN_WAIT and UDP follow {@code --set}. */
    long timeoutNanos(TcpState s) {
        if (template) {
            return templateTimeoutNanos;
        }
        Timeouts t = timeouts.get();
        int seconds;
        if (protocol == Protocol.UDP) {
            seconds = t.udp();
        } else if (s == TcpState.ESTABLISHED) {
            seconds = t.tcp();
        } else if (s == TcpState.FIN_WAIT) {
            seconds = t.tcpFin();
        } else {
            seconds = s.defaultTimeoutSeconds();
        }
        return TimeUnit.SECONDS.toNanos(seconds);
    }

    /** Unbinds if due and not held; true if it did (the caller then unlinks it). */
    synchronized boolean expireIfDue(long nowNanos) {
        if (!bound || holds > 0 || nowNanos - expiresAtNanos < 0) {
            return false;
        }
        if (template && controlled > 0) {
            // still controls connections: live on, re-checking every 60 s
            templateTimeoutNanos = TEMPLATE_KEEPALIVE_NANOS;
            expiresAtNanos = nowNanos + TEMPLATE_KEEPALIVE_NANOS;
            return false;
        }
        unbindLocked();
        return true;
    }

    /**
     * Unbinds now regardless of holds; true the first time only. Outside the table: for an entry that lost the
     * race to insert its key and so never counted as live.
     */
    public synchronized boolean unbind() {
        if (!bound) {
            return false;
        }
        unbindLocked();
        return true;
    }

    private void unbindLocked() {
        bound = false;
        if (template) {
            dest.unbindTemplate();
            return;
        }
        dest.unbind(state.isActive());
        if (controller != null) {
            controller.detach(); // lock order: connection, then its template; a template never locks back
        }
    }

    public synchronized boolean bound() {
        return bound;
    }

    @Override
    public String toString() {
        return "Connection[" + protocol + " " + client() + " -> " + virtual + " -> " + destination()
                + " " + stateName() + "]";
    }
}

package dev.jvs.director.sync;

import dev.jvs.director.conn.SyncedConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.Enumeration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The master sync daemon: data paths announce connections, {@link SendRules} picks what to send, records are
 * batched into messages of at most {@code sync_maxlen} bytes, and a sender thread multicasts each message (TTL,
 * loopback off, from the interface) and sends it to every unicast peer. A partly filled message goes out within
 * {@link #FLUSH_AFTER_NANOS}, as the kernel flushes after at most 2 s.
 *
 * <p>No allocation per announced packet: messages are built in one reused buffer and copied into a fixed pool
 * of send buffers; when the pool is empty (the network cannot keep up) the message is dropped, as the kernel
 * drops beyond {@code sync_qlen_max}.
 */
public final class SyncMaster implements ConnectionAnnouncer, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SyncMaster.class);

    static final long FLUSH_AFTER_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long FLUSH_CHECK_MILLIS = 250;
    private static final int SEND_BUFFERS = 32;

    private final SendRules rules;
    private final SyncMessageWriter writer;      // guarded by this
    private long firstRecordNanos;               // guarded by this
    private final BlockingQueue<ByteBuffer> free = new ArrayBlockingQueue<>(SEND_BUFFERS);
    private final BlockingQueue<ByteBuffer> ready = new ArrayBlockingQueue<>(SEND_BUFFERS);
    private final DatagramChannel channel;
    private final List<InetSocketAddress> targets;
    private final LongSupplier clock;
    private final Thread sender;
    private volatile boolean running = true;
    private long dropped; // guarded by this
    private volatile SyncCounters counters = new SyncCounters();

    /** Counts sent and dropped messages into the director-wide counters. */
    void countInto(SyncCounters shared) {
        this.counters = shared;
    }

    /**
     * @param group multicast group:port, or null for unicast peers only
     * @param peers unicast peers, sent the same messages
     */
    public SyncMaster(NetworkInterface nic, InetSocketAddress group, int ttl, List<InetSocketAddress> peers,
                      int maxLen, int syncId, SendRules rules, LongSupplier clock) throws IOException {
        this.rules = rules;
        this.clock = clock;
        this.writer = new SyncMessageWriter(maxLen, syncId);
        for (int i = 0; i < SEND_BUFFERS; i++) {
            free.add(ByteBuffer.allocate(maxLen));
        }
        boolean ipv6 = group != null && group.getAddress() instanceof Inet6Address;
        this.channel = DatagramChannel.open(ipv6 ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
        try {
            channel.setOption(StandardSocketOptions.IP_MULTICAST_IF, nic);
            channel.setOption(StandardSocketOptions.IP_MULTICAST_TTL, ttl);
            channel.setOption(StandardSocketOptions.IP_MULTICAST_LOOP, false); // never hear ourselves
            // From the interface's own address, as the kernel binds its sync socket to the interface.
            InetAddress source = addressOf(nic, ipv6);
            channel.bind(source == null ? null : new InetSocketAddress(source, 0));
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        this.targets = group == null ? List.copyOf(peers)
                : java.util.stream.Stream.concat(java.util.stream.Stream.of(group), peers.stream()).toList();
        this.sender = new Thread(this::sendLoop, "jvs-sync-master");
        sender.setDaemon(true);
        sender.start();
    }

    @Override
    public void packetIn(SyncedConnection connection) {
        if (!running) return;
        int packets = connection.countPacketIn();
        SyncedConnection c = connection;
        while (true) {
            if (c.movable() && rules.shouldSend(c, packets)) {
                queue(c);
            }
            c = c.controller();
            if (c == null) return;
            // the controller follows: a template with its own count, as in IPVS
            packets = c.isTemplate() ? c.countPacketIn() : rules.threshold();
        }
    }

    private synchronized void queue(SyncedConnection c) {
        if (writer.add(c)) {
            if (writer.count() == 1) firstRecordNanos = clock.getAsLong();
            return;
        }
        hand();
        if (!writer.add(c)) {
            log.warn("sync record of {} does not fit in sync_maxlen", c);
            return;
        }
        firstRecordNanos = clock.getAsLong();
    }

    /** Moves the current message to the send queue and starts an empty one. */
    private void hand() {
        if (writer.isEmpty()) return;
        ByteBuffer message = writer.finish();
        ByteBuffer copy = free.poll();
        if (copy == null) {
            counters.dropped.increment();
            if (dropped++ % 1000 == 0) log.warn("sync messages dropped: the send queue is full ({} so far)", dropped);
        } else {
            copy.clear();
            copy.put(message).flip();
            ready.add(copy); // never full: a buffer is either free or ready
        }
        writer.reset();
    }

    /** Sends what the writer holds if its first record waited long enough; called by the sender thread. */
    private synchronized void flushIfDue(long now) {
        if (!writer.isEmpty() && now - firstRecordNanos >= FLUSH_AFTER_NANOS) hand();
    }

    /** Sends everything queued or buffered now (tests, shutdown). */
    synchronized void flushNow() {
        hand();
    }

    private void sendLoop() {
        try {
            while (running) {
                ByteBuffer message = ready.poll(FLUSH_CHECK_MILLIS, TimeUnit.MILLISECONDS);
                if (message == null) {
                    flushIfDue(clock.getAsLong());
                    continue;
                }
                send(message);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void send(ByteBuffer message) {
        try {
            for (InetSocketAddress target : targets) {
                channel.send(message.duplicate(), target);
            }
            counters.sent.increment();
        } catch (ClosedChannelException e) {
            // stopping
        } catch (IOException e) {
            log.debug("cannot send a sync message: {}", e.toString());
        } finally {
            free.add(message);
        }
    }

    @Override
    public void close() {
        running = false;
        sender.interrupt();
        try {
            sender.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            channel.close();
        } catch (IOException e) {
            log.debug("closing the sync socket: {}", e.toString());
        }
    }

    static InetAddress addressOf(NetworkInterface nic, boolean ipv6) {
        Enumeration<InetAddress> addresses = nic.getInetAddresses();
        InetAddress fallback = null;
        while (addresses.hasMoreElements()) {
            InetAddress a = addresses.nextElement();
            if (ipv6 ? a instanceof Inet6Address : a instanceof Inet4Address) {
                if (!a.isLinkLocalAddress()) return a;
                if (fallback == null) fallback = a;
            }
        }
        return ipv6 ? null : fallback; // an IPv6 link-local source would need its scope: let the stack choose
    }
}

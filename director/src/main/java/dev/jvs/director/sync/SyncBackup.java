package dev.jvs.director.sync;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The backup sync daemon: one thread receives sync messages on the sync port (multicast group joined on the
 * interface, and unicast from {@code --sync-peer} masters), decodes them and offers each record to the
 * installers. Nothing is scheduled here: the records say which real server each client has.
 */
public final class SyncBackup implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SyncBackup.class);
    /** The largest UDP payload: the kernel sizes by MTU, but a unicast peer may use a larger sync_maxlen. */
    private static final int RECEIVE_BUFFER = 65_535;

    private final DatagramChannel channel;
    private final int syncId;
    private final List<ConnectionInstaller> installers;
    private final Thread receiver;
    private volatile boolean running = true;
    /** Messages dropped, whole or from a malformed record on, by why (OK and OTHER_SYNCID are not counted). */
    private final Map<SyncMessageReader.Outcome, LongAdder> drops = new EnumMap<>(SyncMessageReader.Outcome.class);
    private volatile SyncCounters counters = new SyncCounters();
    private long lastDropLogNanos = System.nanoTime() - DROP_LOG_NANOS;
    private static final long DROP_LOG_NANOS = 1_000_000_000L;

    public SyncBackup(NetworkInterface nic, InetSocketAddress group, int syncId,
                      List<ConnectionInstaller> installers) throws IOException {
        this.syncId = syncId;
        this.installers = List.copyOf(installers);
        for (SyncMessageReader.Outcome o : SyncMessageReader.Outcome.values()) drops.put(o, new LongAdder());
        boolean ipv6 = group.getAddress() instanceof Inet6Address;
        this.channel = DatagramChannel.open(ipv6 ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
        try {
            channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            // The wildcard address: multicast for the group and unicast from peers arrive on the one port.
            channel.bind(new InetSocketAddress(group.getPort()));
            channel.join(group.getAddress(), nic);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        this.receiver = new Thread(this::receiveLoop, "jvs-sync-backup");
        receiver.setDaemon(true);
        receiver.start();
    }

    private void receiveLoop() {
        ByteBuffer buffer = ByteBuffer.allocate(RECEIVE_BUFFER);
        while (running) {
            try {
                buffer.clear();
                channel.receive(buffer);
                buffer.flip();
                handle(buffer);
            } catch (ClosedChannelException e) {
                return; // stopped
            } catch (IOException e) {
                log.debug("receiving a sync message: {}", e.toString());
            } catch (RuntimeException e) {
                log.warn("sync message not installed: {}", e.toString(), e);
            }
        }
    }

    /** Decodes one received message and installs its records; a malformed message is counted and dropped. */
    void handle(ByteBuffer message) {
        counters.received.increment();
        int size = message.remaining();
        SyncMessageReader.Outcome outcome = SyncMessageReader.read(message, syncId, this::install);
        if (outcome == SyncMessageReader.Outcome.OK || outcome == SyncMessageReader.Outcome.OTHER_SYNCID) return;
        drops.get(outcome).increment();
        counters.dropped.increment();
        long now = System.nanoTime();
        if (now - lastDropLogNanos >= DROP_LOG_NANOS) { // a flood of garbage logs once a second
            lastDropLogNanos = now;
            log.warn("sync message of {} bytes dropped: {} ({} malformed sync messages dropped so far)", size, outcome,
                    dropped());
        }
    }

    /** Counts received and dropped messages into the director-wide counters. */
    void countInto(SyncCounters shared) {
        this.counters = shared;
    }

    /** Malformed sync messages received so far: too short, a size other than the datagram's, a bad record. */
    public long dropped() {
        return drops.values().stream().mapToLong(LongAdder::sum).sum();
    }

    /** The local port messages arrive on. */
    int port() {
        try {
            return ((InetSocketAddress) channel.getLocalAddress()).getPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Messages dropped for {@code why} so far. */
    public long dropped(SyncMessageReader.Outcome why) {
        return drops.get(why).sum();
    }

    private void install(SyncRecord record) {
        for (ConnectionInstaller installer : installers) {
            if (installer.install(record)) return;
        }
    }

    @Override
    public void close() {
        running = false;
        try {
            channel.close(); // wakes the receiver
        } catch (IOException e) {
            log.debug("closing the sync socket: {}", e.toString());
        }
        try {
            receiver.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package dev.jvs.director.packet;

import dev.jvs.director.net.AddressWords;
import dev.jvs.director.rules.Dest;
import dev.jvs.model.Protocol;
import dev.jvs.os.PacketPort;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * One forwarding thread: its own sockets (one per interface, all lanes of an interface in one fan-out group, so
 * the kernel hands each flow to one lane), its own shard of the flow table and its forwarder. Only this thread
 * touches them; everything else reaches it as a task.
 */
final class Lane {

    private static final Logger log = LoggerFactory.getLogger(Lane.class);
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private static final int BATCH = 256;

    final int number;
    final PacketForwarder forwarder;
    final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final ByteBuffer requestFrame = ByteBuffer.allocate(128);
    /** The ports of the plan being built or last published (written by the control side only). */
    List<PacketPort> ports = new ArrayList<>();
    private Thread thread;
    private volatile boolean running;

    Lane(int number, java.util.function.Function<PacketForwarder.NeighbourRequests, PacketForwarder> forwarders,
         java.util.function.BiConsumer<Lane, Egress> learned) {
        this.number = number;
        this.forwarder = forwarders.apply(new PacketForwarder.NeighbourRequests() {
            @Override
            public void request(Egress egress, long nowNanos) {
                requestNeighbour(egress, nowNanos);
            }

            @Override
            public void learned(Egress egress) {
                learned.accept(Lane.this, egress);
            }
        });
    }

    boolean started() {
        return thread != null;
    }

    void start() {
        running = true;
        thread = new Thread(this::run, number == 0 ? "jvs-packet" : "jvs-packet-" + number);
        thread.setDaemon(true);
        thread.start();
    }

    /** Asks the thread to stop after its current batch (then {@link #stop} waits for it). */
    void requestStop() {
        running = false;
    }

    void stop() {
        running = false;
        if (thread == null) return;
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        long lastHousekeeping = System.nanoTime();
        // Tasks queued before the start first: flows inherited from a director taken over precede any frame.
        for (Runnable task; (task = tasks.poll()) != null; ) task.run();
        while (running) {
            PacketPort[] active = forwarder.plan.ports;
            if (active.length == 0) sleepMillis(10);
            int timeout = active.length == 1 ? 5 : 1;
            for (PacketPort port : active) {
                forwarder.now = System.nanoTime();
                forwarder.ingress = port;
                forwarder.ingressMac = port.macAddress();
                try {
                    port.receive(forwarder, BATCH, timeout);
                } catch (RuntimeException e) {
                    log.error("packet path: frame handling failed on {}", port.interfaceName(), e);
                }
            }
            for (PacketPort port : active) port.flush();
            long now = System.nanoTime();
            if (now - lastHousekeeping >= SECOND / 4) {
                lastHousekeeping = now;
                forwarder.flows.expire(now);
                solicitNeighbours(now);
            }
            for (Runnable task; (task = tasks.poll()) != null; ) task.run();
        }
    }

    /** Unresolved next hops: ask the wire ourselves (at most once a second each). */
    private void solicitNeighbours(long now) {
        ForwardingPlan plan = forwarder.plan;
        for (Egress e : plan.allEgress) {
            if (!e.resolved) requestNeighbour(e, now);
        }
        for (PacketPort port : plan.ports) port.flush();
    }

    private void requestNeighbour(Egress e, long now) {
        if (e.lastRequestNanos != 0 && now - e.lastRequestNanos < SECOND) return;
        e.lastRequestNanos = now;
        PacketPort port = forwarder.plan.ports[e.portIndex];
        int length = e.nextHop instanceof Inet6Address
                ? NeighbourFrames.solicitation(requestFrame, e.sourceMac, e.localAddress, e.nextHop)
                : NeighbourFrames.arpRequest(requestFrame, e.sourceMac, e.localAddress, e.nextHop);
        if (length > 0) port.send(requestFrame, 0, length);
    }

    /**
     * Task: a next hop's MAC, learnt elsewhere (the kernel's table, another lane's wire). With {@code change},
     * a known MAC is replaced too (the kernel saw the neighbour move, e.g. a real server swapped).
     */
    void learn(InetAddress nextHop, String interfaceName, byte[] mac, boolean change) {
        tasks.add(() -> {
            ForwardingPlan plan = forwarder.plan;
            for (Egress e : plan.allEgress) {
                if ((change || !e.resolved) && e.nextHop.equals(nextHop)
                        && plan.ports[e.portIndex].interfaceName().equals(interfaceName)) {
                    e.learn(mac, 0);
                }
            }
        });
    }

    /** This lane's flows as {@code ipvsadm -Lc} rows (on the lane's thread). */
    List<PacketPath.FlowRow> snapshot(long nowNanos) {
        FlowTable t = forwarder.flows;
        List<PacketPath.FlowRow> rows = new ArrayList<>(t.size());
        t.forEachSlot(slot -> {
            long ports = t.keyWord(slot, 4);
            boolean ipv6 = ((ports >>> 32) & 1) != 0;
            Protocol protocol = ((ports >>> 40) & 0xff) == 6 ? Protocol.TCP : Protocol.UDP;
            InetAddress client = AddressWords.address(ipv6, t.keyWord(slot, 0), t.keyWord(slot, 1));
            InetAddress virtual = AddressWords.address(ipv6, t.keyWord(slot, 2), t.keyWord(slot, 3));
            int virtualPort = (int) (ports & 0xffff);
            Dest d = t.dest(slot);
            int port = d.config().port() == 0 ? virtualPort : d.config().port();
            long left = Math.max(0, t.expiresAtNanos(slot) - nowNanos);
            rows.add(new PacketPath.FlowRow(protocol, (left + SECOND - 1) / SECOND, t.stateName(slot),
                    new InetSocketAddress(client, (int) ((ports >>> 16) & 0xffff)),
                    new InetSocketAddress(virtual, virtualPort),
                    new InetSocketAddress(d.config().address(), port)));
        });
        return rows;
    }

    private static void sleepMillis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

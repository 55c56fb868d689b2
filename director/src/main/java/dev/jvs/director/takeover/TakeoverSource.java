package dev.jvs.director.takeover;

import dev.jvs.director.conn.Connection;
import dev.jvs.director.conn.ConnectionTable;
import dev.jvs.director.control.ControlServer;
import dev.jvs.director.control.InstanceLock;
import dev.jvs.director.nat.NatProxy;
import dev.jvs.director.packet.PacketPath;
import io.netty.channel.Channel;
import io.netty.channel.unix.FileDescriptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The running director's side of {@code --takeover}: on request, it gives its locks, control socket, NAT
 * listening and UDP sockets and rule table, and keeps the connection open. It keeps serving (and forwarding
 * DR/TUN frames) until the successor, once it serves too, stops it (SIGTERM); then it stops its packet threads,
 * sends its packet flows and persistence templates over that connection ({@link #handFlows}), stops accepting,
 * drains its NAT connections and exits.
 */
public final class TakeoverSource implements ControlServer.HandOver {

    private static final Logger log = LoggerFactory.getLogger(TakeoverSource.class);

    private final List<InstanceLock> locks;
    private final Supplier<ControlServer> control;
    private final NatProxy nat;
    private final PacketPath packets;
    private final ConnectionTable connections;
    private final Supplier<String> rules;
    /** The successor's connection, kept for the flow table. */
    private volatile Channel successor;

    public TakeoverSource(List<InstanceLock> locks, Supplier<ControlServer> control, NatProxy nat,
                          PacketPath packets, ConnectionTable connections, Supplier<String> rules) {
        this.locks = locks;
        this.control = control;
        this.nat = nat;
        this.packets = packets;
        this.connections = connections;
        this.rules = rules;
    }

    @Override
    public List<FileDescriptor> prepare() throws IOException {
        Map<InetSocketAddress, List<FileDescriptor>> tcp = nat.tcpListenerFds();
        Map<InetSocketAddress, List<FileDescriptor>> udp = nat.udpSocketFds();
        Map<Path, FileDescriptor> lockFds = new LinkedHashMap<>();
        for (InstanceLock lock : locks) lockFds.put(lock.file(), lock.fd());
        ControlServer server = control.get();
        HandOverText handOver = new HandOverText(ProcessHandle.current().pid(), lockFds, server.serverFd(), tcp, udp,
                true, rules.get());
        // A dry run of the templates' part now: the hand-over at stop time is timed (nothing forwards meanwhile).
        FlowHandOver.encode(each -> templates(each, new int[1]));
        List<FileDescriptor> order = new ArrayList<>();
        order.add(null); // the text's own descriptor, below
        String text = handOver.write(order);
        // The text travels as a descriptor of an unlinked file: the connection then carries descriptors only.
        order.set(0, unlinkedFile(server.path().getParent(), text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        return order;
    }

    @Override
    public void sent(Channel successor) {
        this.successor = successor;
    }

    /**
     * Stopping after a takeover: the packet threads stop (the successor forwards from now on, on the same
     * firewall table), and the successor receives every packet flow and persistence template, so a DR/TUN flow
     * keeps its real server and a persistent client its server. Flows created up to this moment are included.
     */
    public void handFlows() {
        Channel ch = successor;
        long started = System.nanoTime();
        int[] counts = {0, 0};
        long[] stoppedAt = {0};
        byte[] data = FlowHandOver.encode(each -> {
            packets.stopForSuccessor(() -> stoppedAt[0] = System.nanoTime(), flow -> {
                counts[0]++;
                each.accept(flow);
            });
            templates(each, counts);
        });
        if (ch == null || !ch.isActive()) {
            log.warn("the new director's connection is gone: its {} packet flows and {} templates are not handed"
                    + " over", counts[0], counts[1]);
            return;
        }
        try {
            FileDescriptor fd = unlinkedFile(control.get().path().getParent(), data);
            boolean sent = ch.writeAndFlush(fd).addListener(f -> {
                fd.close();
                ch.close();
            }).awaitUninterruptibly(5_000);
            log.info("handed {} packet flows and {} connection templates to the new director {} ms after the stop"
                    + " (packet threads stopped in {} ms){}", counts[0], counts[1],
                    (System.nanoTime() - started) / 1_000_000, (stoppedAt[0] - started) / 1_000_000,
                    sent ? "" : " (not confirmed)");
        } catch (IOException e) {
            log.error("cannot hand the flow table over: {}", e.getMessage());
            ch.close();
        }
    }

    /** Visits the connection table's templates (and connections another director could carry on), counted. */
    private void templates(java.util.function.Consumer<dev.jvs.director.conn.SyncedConnection> each, int[] counts) {
        connections.forEach((Connection c) -> {
            if (c.isTemplate() || c.movable()) {
                counts[counts.length - 1]++;
                each.accept(c);
            }
        });
    }

    /** A descriptor of a file with {@code data} that has no name any more (created in {@code dir}, then unlinked). */
    private static FileDescriptor unlinkedFile(Path dir, byte[] data) throws IOException {
        Path file = Files.createTempFile(dir, ".takeover", ".dat",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            FileDescriptor fd = FileDescriptor.from(file.toFile()); // opens write-only and truncates: write after
            Files.write(file, data);
            return fd;
        } finally {
            Files.deleteIfExists(file);
        }
    }
}

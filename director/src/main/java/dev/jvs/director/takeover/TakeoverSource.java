package dev.jvs.director.takeover;

import dev.jvs.director.control.ControlServer;
import dev.jvs.director.control.InstanceLock;
import dev.jvs.director.nat.NatProxy;
import io.netty.channel.unix.FileDescriptor;

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
 * listening sockets and rule table. It keeps serving on them until the successor, once it serves too, stops it
 * (SIGTERM); then it stops accepting, drains its NAT connections and exits.
 */
public final class TakeoverSource implements ControlServer.HandOver {

    private final List<InstanceLock> locks;
    private final Supplier<ControlServer> control;
    private final NatProxy nat;
    private final Supplier<String> rules;

    public TakeoverSource(List<InstanceLock> locks, Supplier<ControlServer> control, NatProxy nat,
                          Supplier<String> rules) {
        this.locks = locks;
        this.control = control;
        this.nat = nat;
        this.rules = rules;
    }

    @Override
    public List<FileDescriptor> prepare() throws IOException {
        Map<InetSocketAddress, List<FileDescriptor>> tcp = nat.tcpListenerFds();
        Map<Path, FileDescriptor> lockFds = new LinkedHashMap<>();
        for (InstanceLock lock : locks) lockFds.put(lock.file(), lock.fd());
        ControlServer server = control.get();
        HandOverText handOver = new HandOverText(ProcessHandle.current().pid(), lockFds, server.serverFd(), tcp,
                rules.get());
        List<FileDescriptor> order = new ArrayList<>();
        order.add(null); // the text's own descriptor, below
        String text = handOver.write(order);
        // The text travels as a descriptor of an unlinked file: the connection then carries descriptors only.
        Path dir = server.path().getParent();
        Path file = Files.createTempFile(dir, ".takeover", ".txt",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            order.set(0, FileDescriptor.from(file.toFile())); // opens write-only and truncates: write after
            Files.writeString(file, text);
        } finally {
            Files.deleteIfExists(file);
        }
        return order;
    }
}

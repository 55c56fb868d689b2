package dev.jvs.director.control;

import dev.jvs.control.ControlReply;
import dev.jvs.control.ControlRequest;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The director's control socket: a Unix domain socket, mode 0600, that only the director's own user (or
 * root) may use. Each connection carries one {@link ControlRequest} and gets one {@link ControlReply}.
 */
public final class ControlServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ControlServer.class);

    private final Path path;
    private final CommandExecutor executor;
    private final ExecutorService clients = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "jvs-control-client");
        t.setDaemon(true);
        return t;
    });
    private ServerSocketChannel server;
    private Thread acceptor;

    public ControlServer(Path path, CommandExecutor executor) {
        this.path = path.toAbsolutePath();
        this.executor = executor;
    }

    public void start() throws IOException {
        Path dir = path.getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        if (Files.exists(path)) {
            if (someoneListens()) throw new IOException("another director already listens on " + path);
            Files.delete(path); // left over by a director that did not shut down cleanly
        }
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        acceptor = new Thread(this::acceptLoop, "jvs-control");
        acceptor.setDaemon(true);
        acceptor.start();
        log.info("control socket {}", path);
    }

    public Path path() { return path; }

    private boolean someoneListens() {
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            try {
                SocketChannel client = server.accept();
                clients.execute(() -> serve(client));
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                log.warn("control socket accept failed: {}", e.getMessage());
            }
        }
    }

    private void serve(SocketChannel client) {
        try (client) {
            Writer out = new OutputStreamWriter(Channels.newOutputStream(client), StandardCharsets.UTF_8);
            if (!permitted(client.getOption(ExtendedSocketOptions.SO_PEERCRED))) {
                ControlReply.error(255, "Permission denied (you must be root)").write(out);
                return;
            }
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(client), StandardCharsets.UTF_8));
            ControlRequest request = ControlRequest.read(in);
            executor.execute(request).write(out);
        } catch (IOException | RuntimeException e) {
            log.warn("control request failed: {}", e.toString());
        }
    }

    /** Root and the director's own user may change the table; nobody else. */
    private static boolean permitted(UnixDomainPrincipal peer) {
        String user = peer.user().getName();
        return user.equals("root") || user.equals(System.getProperty("user.name"));
    }

    @Override
    public void close() {
        try {
            if (server != null) server.close();
            Files.deleteIfExists(path);
        } catch (IOException e) {
            log.warn("closing control socket: {}", e.getMessage());
        }
        clients.shutdownNow();
    }
}

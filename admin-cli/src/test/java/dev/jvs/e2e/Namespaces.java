package dev.jvs.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The direct-routing namespaces of {@code bench/lib/dr_topology.sh} under a unique prefix: a client, a director,
 * two real servers (each serving HTTP on the VIP with its own name, and a line server on port 7000 that answers
 * every line with its name), all on one bridge. Everything is removed on close.
 */
final class Namespaces implements AutoCloseable {

    static final int NET = 77;
    static final String VIP = "10." + NET + ".0.100";
    static final String RS1 = "10." + NET + ".0.11";
    static final String RS2 = "10." + NET + ".0.12";
    static final String TUN_RS1 = "10." + NET + ".1.11";
    static final String TUN_RS2 = "10." + NET + ".1.12";
    /** The IPv6 side of {@link #createDualStack}: the same hosts at fd00:NET::X. */
    static final String VIP6 = "fd00:" + NET + "::100";
    static final String DIRECTOR6 = "fd00:" + NET + "::2";
    static final String RS1_6 = "fd00:" + NET + "::11";
    static final String RS2_6 = "fd00:" + NET + "::12";

    /** A line server: answers each received line with the server's name, connection kept open. */
    private static final String LINE_SERVER = """
            import hashlib, socketserver, sys
            name = sys.argv[1].encode()
            class H(socketserver.StreamRequestHandler):
                def handle(self):
                    for line in self.rfile:
                        if line.startswith(b"upload "):
                            want = int(line.split()[1]); got = 0
                            while got < want:
                                chunk = self.rfile.read(min(65536, want - got))
                                if not chunk: break
                                got += len(chunk)
                            self.wfile.write(name + b" " + str(got).encode() + b"\\n"); self.wfile.flush()
                            continue
                        if line.startswith(b"sha256 "):
                            want = int(line.split()[1]); got = 0; digest = hashlib.sha256()
                            while got < want:
                                chunk = self.rfile.read(min(65536, want - got))
                                if not chunk: break
                                got += len(chunk); digest.update(chunk)
                            self.wfile.write(name + b" " + str(got).encode() + b" " + digest.hexdigest().encode()
                                             + b"\\n"); self.wfile.flush()
                            continue
                        self.wfile.write(name + b"\\n"); self.wfile.flush()
            socketserver.ThreadingTCPServer.allow_reuse_address = True
            socketserver.ThreadingTCPServer((sys.argv[2], 7000), H).serve_forever()
            """;

    final String prefix;
    private final Path dir;
    private final String topology;
    private final boolean dualStack;
    private final List<Process> servers = new ArrayList<>();

    private Namespaces(String prefix, Path dir, String topology, boolean dualStack) {
        this.prefix = prefix;
        this.dir = dir;
        this.topology = DirectorProcess.HOME.resolve("bench/lib/" + topology).toString();
        this.dualStack = dualStack;
    }

    /** Why these tests cannot run here, or null. */
    static String missingPrerequisite() {
        if (!"root".equals(System.getProperty("user.name"))) return "needs root for network namespaces";
        for (String tool : List.of("ip", "nft", "curl", "python3", "tcpdump")) {
            if (!onPath(tool)) return "needs " + tool + " on the PATH";
        }
        return null;
    }

    static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(d, tool))) return true;
        }
        return false;
    }

    /** Direct routing: everything on one bridge. */
    static Namespaces create(Path dir) throws IOException, InterruptedException {
        return create(dir, "dr_topology.sh", false, false);
    }

    /** Direct routing as {@link #create}, with IPv6 as well: the real servers serve HTTP on {@link #VIP6} too. */
    static Namespaces createDualStack(Path dir) throws IOException, InterruptedException {
        return create(dir, "dr_topology.sh", false, true);
    }

    /** Tunnelling: real servers behind a router, decapsulating with {@code bin/jvs-tun-rs}. */
    static Namespaces createTunnelled(Path dir) throws IOException, InterruptedException {
        return create(dir, "tun_topology.sh", true, false);
    }

    private static Namespaces create(Path dir, String topology, boolean tunnelled, boolean dualStack)
            throws IOException, InterruptedException {
        String prefix = "j" + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36 * 36), 36);
        Namespaces n = new Namespaces(prefix, dir, topology, dualStack);
        try {
            if (dualStack) {
                n.run(n.topology, "up", prefix, Integer.toString(NET), "ipv6");
            } else {
                n.run(n.topology, "up", prefix, Integer.toString(NET));
            }
            if (tunnelled) {
                n.startDecapsulator("r1");
                n.startDecapsulator("r2");
            }
            n.startServer("r1", "RS1");
            n.startServer("r2", "RS2");
        } catch (IOException | RuntimeException | InterruptedException e) {
            n.close();
            throw e;
        }
        return n;
    }

    private void startServer(String ns, String name) throws IOException, InterruptedException {
        Path root = Files.createDirectories(dir.resolve(ns));
        Files.writeString(root.resolve("index.html"), name + "\n");
        Files.write(root.resolve("big"), new byte[4 * 1024 * 1024]);
        servers.add(new ProcessBuilder(exec(ns, "python3", "-m", "http.server", "80", "--bind", VIP))
                .directory(root.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve(ns + "-http.log").toFile()).start());
        servers.add(new ProcessBuilder(exec(ns, "python3", "-c", LINE_SERVER, name, VIP))
                .redirectErrorStream(true).redirectOutput(dir.resolve(ns + "-line.log").toFile()).start());
        if (dualStack) {
            servers.add(new ProcessBuilder(exec(ns, "python3", "-m", "http.server", "80", "--bind", VIP6))
                    .directory(root.toFile()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve(ns + "-http6.log").toFile()).start());
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            String listening = run(exec(ns, "ss", "-ltnH").toArray(new String[0]));
            if (listening.contains(VIP + ":80") && listening.contains(VIP + ":7000")
                    && (!dualStack || listening.contains("[" + VIP6 + "]:80"))) return;
            Thread.sleep(100);
        }
        throw new IOException("servers in " + ns + " did not start");
    }

    private void startDecapsulator(String ns) throws IOException, InterruptedException {
        Path log = dir.resolve(ns + "-tun-rs.log");
        servers.add(new ProcessBuilder(exec(ns, DirectorProcess.HOME.resolve("bin/jvs-tun-rs").toString(),
                "--interface", "eth0")).redirectErrorStream(true).redirectOutput(log.toFile()).start());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log).contains("jvs-tun-rs ready")) return;
            Thread.sleep(100);
        }
        throw new IOException("jvs-tun-rs in " + ns + " did not start: " + Files.readString(log));
    }

    String log(String name) throws IOException {
        Path p = dir.resolve(name);
        return Files.exists(p) ? Files.readString(p) : "";
    }

    /** {@code ip netns exec PREFIX+ns COMMAND...} as a list. */
    List<String> exec(String ns, String... command) {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", prefix + ns));
        c.addAll(List.of(command));
        return c;
    }

    /** Runs a command to completion; its output, or an exception naming the command when it fails. */
    String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not finish");
        }
        if (p.exitValue() != 0) throw new IOException(String.join(" ", command) + " failed: " + out);
        return out;
    }

    /** Runs a command in a namespace, returning its output whatever its status. */
    /** RetransSegs of a namespace's TCP (a figure: a lost frame shows here, not as a failure). */
    long tcpRetransmissions(String ns) throws IOException, InterruptedException {
        List<String> tcp = runIn(ns, "cat", "/proc/net/snmp").lines().filter(l -> l.startsWith("Tcp:")).toList();
        List<String> names = List.of(tcp.get(0).split(" "));
        return Long.parseLong(tcp.get(1).split(" ")[names.indexOf("RetransSegs")]);
    }

    String runIn(String ns, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(exec(ns, command)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        return out;
    }

    /**
     * Uploads {@code bytes} of random data from the client to VIP:7000 and has the real server hash what it
     * received: "sent-sha256 RSn received-bytes received-sha256".
     */
    String uploadWithDigest(int bytes) throws IOException, InterruptedException {
        return runIn("c", "python3", "-c", """
                import hashlib, os, socket, sys
                n = int(sys.argv[2]); digest = hashlib.sha256()
                s = socket.create_connection((sys.argv[1], 7000), timeout=60)
                s.sendall(b"sha256 %d\\n" % n)
                left = n
                while left:
                    chunk = os.urandom(min(1 << 20, left)); digest.update(chunk); s.sendall(chunk); left -= len(chunk)
                print(digest.hexdigest(), s.makefile().readline().strip())
                """, VIP, Integer.toString(bytes)).trim();
    }

    /** {@code curl} from the client to the VIP; the body, or "" when it failed. */
    String curl(String path) throws IOException, InterruptedException {
        return runIn("c", "curl", "-s", "-m", "5", "http://" + VIP + path).trim();
    }

    /** {@code curl -6} from the client to {@link #VIP6}; the body, or "" when it failed. */
    String curl6(String path) throws IOException, InterruptedException {
        return runIn("c", "curl", "-6", "-s", "-m", "5", "http://[" + VIP6 + "]" + path).trim();
    }

    @Override
    public void close() throws IOException, InterruptedException {
        for (Process p : servers) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
            if (!p.waitFor(5, TimeUnit.SECONDS)) p.destroyForcibly();
        }
        run(topology, "down", prefix, Integer.toString(NET));
    }
}

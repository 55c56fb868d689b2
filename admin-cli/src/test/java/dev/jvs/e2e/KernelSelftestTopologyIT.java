package dev.jvs.e2e;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The kernel's own IPVS selftest shape ({@code bench/lib/ipvs_selftest_topology.sh}): the VIP on the director's
 * {@code lo}, added after the ipvsadm commands; clients come in on one interface, the real server is reached
 * through another, and the director is started without {@code --interface}. A 32-byte and a 16 MiB payload
 * reach the real server intact in DR, NAT and TUN mode (the real server hashes what it got).
 */
class KernelSelftestTopologyIT {

    private static final int NET = 79;
    private static final String VIP = "10." + NET + ".9.110";
    private static final String REAL_SERVER = "172.16." + NET + ".2";
    private static final String TOPOLOGY = DirectorProcess.HOME.resolve("bench/lib/ipvs_selftest_topology.sh")
            .toString();

    /** Answers each connection with "LENGTH SHA256" of everything it received before the client's EOF. */
    private static final String HASH_SERVER = """
            import hashlib, socket, threading
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("0.0.0.0", 8080)); s.listen(16)
            def serve(c):
                d = hashlib.sha256(); n = 0
                while True:
                    b = c.recv(1 << 16)
                    if not b: break
                    d.update(b); n += len(b)
                c.sendall(b"%d %s\\n" % (n, d.hexdigest().encode())); c.close()
            while True:
                c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()
            """;

    private static final String CLIENT = """
            import hashlib, os, socket, sys
            n = int(sys.argv[2]); data = os.urandom(n)
            s = socket.create_connection((sys.argv[1], 8080), timeout=30)
            s.sendall(data); s.shutdown(socket.SHUT_WR)
            print(n, hashlib.sha256(data).hexdigest(), "|", s.makefile().readline().strip())
            """;

    @TempDir
    Path dir;
    private String prefix;
    private final List<Process> processes = new ArrayList<>();
    private DirectorProcess director;

    @AfterEach
    void stop() throws Exception {
        try {
            if (director != null) director.stop();
        } finally {
            for (Process p : processes) {
                p.destroy();
                if (!p.waitFor(5, TimeUnit.SECONDS)) p.destroyForcibly();
            }
            if (prefix != null) Shell.run(TOPOLOGY, "down", prefix, Integer.toString(NET));
        }
    }

    private List<String> in(String ns, String... command) {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", prefix + ns));
        c.addAll(List.of(command));
        return c;
    }

    private void up(String mode) throws Exception {
        String missing = Namespaces.missingPrerequisite();
        assumeTrue(missing == null, () -> "skipped: " + missing);
        prefix = "k" + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36 * 36), 36);
        Shell.sh(TOPOLOGY, "up", prefix, Integer.toString(NET), mode);
        if (mode.equals("tun")) {
            Path log = dir.resolve("tun-rs.log");
            processes.add(new ProcessBuilder(in("r", DirectorProcess.HOME.resolve("bin/jvs-tun-rs").toString(),
                    "--interface", "veth21")).redirectErrorStream(true).redirectOutput(log.toFile()).start());
            awaitLog(log, "jvs-tun-rs ready");
        }
        processes.add(new ProcessBuilder(in("r", "python3", "-c", HASH_SERVER)).redirectErrorStream(true)
                .redirectOutput(dir.resolve("server.log").toFile()).start());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!Shell.run(in("r", "ss", "-ltnH").toArray(new String[0])).output().contains(":8080")) {
            assertTrue(System.nanoTime() < deadline, "the real server did not start");
            Thread.sleep(100);
        }
        director = DirectorProcess.startWith(dir, in("d"));
    }

    private static void awaitLog(Path log, String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!(Files.exists(log) && Files.readString(log).contains(text))) {
            assertTrue(System.nanoTime() < deadline, "no '" + text + "' in " + log);
            Thread.sleep(100);
        }
    }

    /** The selftest's order: the service first, the VIP on the director's lo afterwards. */
    private void service(String method) throws Exception {
        director.ok("-A", "-t", VIP + ":8080", "-s", "rr");
        director.ok("-a", "-t", VIP + ":8080", "-r", REAL_SERVER + ":8080", method);
        Shell.sh(in("d", "ip", "addr", "add", VIP + "/32", "dev", "lo").toArray(new String[0]));
    }

    private void assertPayloadsArriveIntact() throws Exception {
        for (int bytes : new int[] {32, 16 * 1024 * 1024}) {
            String out = Shell.run(in("c", "python3", "-c", CLIENT, VIP, Integer.toString(bytes))
                    .toArray(new String[0])).output();
            String[] halves = out.split("\\|");
            assertEquals(2, halves.length, out + "\n" + director.log());
            assertEquals(halves[0].trim(), halves[1].trim(), bytes + " bytes: what the real server got, hashed");
        }
    }

    @Test
    void directRouting() throws Exception {
        up("dr");
        service("-g");
        assertPayloadsArriveIntact();
        // An interface that comes up later is picked up; one that goes away is released.
        Shell.sh(in("d", "ip", "link", "add", "late0", "type", "veth", "peer", "name", "late1").toArray(new String[0]));
        Shell.sh(in("d", "ip", "link", "set", "late0", "up").toArray(new String[0]));
        awaitDirectorLog("packet path on late0");
        Shell.sh(in("d", "ip", "link", "del", "late0").toArray(new String[0]));
        awaitDirectorLog("packet path released late0: it is gone");
        assertPayloadsArriveIntact();
    }

    @Test
    void nat() throws Exception {
        up("nat");
        service("-m");
        assertPayloadsArriveIntact();
    }

    @Test
    void tunnel() throws Exception {
        up("tun");
        service("-i");
        assertPayloadsArriveIntact();
    }

    private void awaitDirectorLog(String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!director.log().contains(text)) {
            assertTrue(System.nanoTime() < deadline, "no '" + text + "' in the director's log:\n" + director.log());
            Thread.sleep(100);
        }
    }
}

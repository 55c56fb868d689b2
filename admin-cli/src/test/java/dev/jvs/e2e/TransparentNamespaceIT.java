package dev.jvs.e2e;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code --transparent} on a real three-host network built from network namespaces:
 *
 * <pre>
 *   client ns             director ns                          real-server ns
 *   10.77.1.2  ---veth--- 10.77.1.1 (VIP)  10.77.2.1 ---veth--- 10.77.2.2 :8080 :8081
 *   default via 10.77.1.1                                       default via 10.77.2.1
 * </pre>
 *
 * The director runs inside its namespace and is configured by {@code examples/lvs_nat_transparent.sh}, run there
 * too, so the example itself is what is tested. The real server must see the client's address, 10.77.1.2.
 * Needs root and {@code ip netns}; skipped otherwise.
 */
class TransparentNamespaceIT {

    private static final String CLIENT_IP = "10.77.1.2";
    private static final String VIP = "10.77.1.1";
    private static final String REAL_SERVER_IP = "10.77.2.2";
    private static final AtomicInteger RUNS = new AtomicInteger();

    @TempDir
    Path dir;
    String suffix;
    String clientNs;
    String directorNs;
    String serverNs;
    final List<String> createdNamespaces = new ArrayList<>();
    Process realServer;
    DirectorProcess director;

    @BeforeEach
    void buildNetwork() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "TransparentNamespaceIT skipped: network namespaces and IP_TRANSPARENT need root");
        // Unique per JVM and per test, so parallel or leftover runs never collide.
        suffix = ProcessHandle.current().pid() + "x" + RUNS.incrementAndGet();
        clientNs = "jvs-c-" + suffix;
        directorNs = "jvs-d-" + suffix;
        serverNs = "jvs-r-" + suffix;
        Shell.Run probe = Shell.run("ip", "netns", "add", clientNs);
        Assumptions.assumeTrue(probe.status() == 0,
                () -> "TransparentNamespaceIT skipped: 'ip netns add' is not available here: " + probe.output());
        createdNamespaces.add(clientNs);
        for (String ns : List.of(directorNs, serverNs)) {
            Shell.sh("ip", "netns", "add", ns);
            createdNamespaces.add(ns);
        }
        requireTool("nft", "nftables");
        requireTool("curl", "curl");

        String clientSide = "jvc" + suffix;
        String directorClientSide = "jvdc" + suffix;
        String directorServerSide = "jvdr" + suffix;
        String serverSide = "jvr" + suffix;
        Shell.sh("ip", "link", "add", clientSide, "netns", clientNs, "type", "veth", "peer", "name", directorClientSide,
                "netns", directorNs);
        Shell.sh("ip", "link", "add", directorServerSide, "netns", directorNs, "type", "veth", "peer", "name", serverSide,
                "netns", serverNs);

        up(clientNs, clientSide, CLIENT_IP + "/24");
        Shell.sh("ip", "-n", clientNs, "route", "add", "default", "via", VIP);
        up(directorNs, directorClientSide, VIP + "/24");
        up(directorNs, directorServerSide, "10.77.2.1/24");
        up(serverNs, serverSide, REAL_SERVER_IP + "/24");
        // As with kernel LVS-NAT: the real server's replies go back through the director.
        Shell.sh("ip", "-n", serverNs, "route", "add", "default", "via", "10.77.2.1");

        realServer = startRealServer();
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (director != null) director.stop();
            if (realServer != null) {
                realServer.destroy();
                if (!realServer.waitFor(10, TimeUnit.SECONDS)) realServer.destroyForcibly().waitFor();
            }
        } finally {
            // Deleting a namespace also deletes its veths, addresses, routes, rules and nftables tables.
            for (String ns : createdNamespaces) Shell.run("ip", "netns", "del", ns);
        }
    }

    @Test
    void realServersSeeTheClientAddressWhenTheDirectorConnectsTransparently() throws Exception {
        director = DirectorProcess.startInNamespace(directorNs, dir);
        applyExampleScript();

        Set<String> answers = new TreeSet<>();
        for (int i = 0; i < 2; i++) answers.add(fetchFromClient().output());
        // wrr over two weight-1 servers: one request each, both saw the client itself, not 10.77.2.1.
        assertEquals(Set.of(CLIENT_IP + " 8080", CLIENT_IP + " 8081"), answers, director.log());
    }

    @Test
    void theNioTransportClosesTransparentClientsAndSaysWhyOnce() throws Exception {
        director = DirectorProcess.startInNamespace(directorNs, dir, "--transport", "nio");
        applyExampleScript();

        for (int i = 0; i < 2; i++) {
            Shell.Run fetch = Shell.run("ip", "netns", "exec", clientNs, "curl", "-s", "-m", "5", "http://" + VIP + "/");
            // 52 = empty reply: the connection was accepted and closed, not left hanging (28) or served (0).
            assertEquals(52, fetch.status(), fetch.output());
        }
        String log = director.log();
        int first = log.indexOf("cannot set IP_TRANSPARENT");
        assertNotEquals(-1, first, log);
        assertEquals(-1, log.indexOf("cannot set IP_TRANSPARENT", first + 1), "said once:\n" + log);
    }

    /** Runs examples/lvs_nat_transparent.sh in the director's namespace, pointed at this network. */
    private void applyExampleScript() throws Exception {
        Shell.Run script = Shell.run("ip", "netns", "exec", directorNs, "env",
                "JVS_SOCKET=" + director.socket(), "VIP=" + VIP, "VPORT=80",
                "RIP1=" + REAL_SERVER_IP, "RIP2=" + REAL_SERVER_IP, "RPORT1=8080", "RPORT2=8081",
                DirectorProcess.HOME.resolve("examples/lvs_nat_transparent.sh").toString());
        assertEquals(0, script.status(), "lvs_nat_transparent.sh failed:\n" + script.output());
        awaitLogged("listening on TCP " + VIP + ":80");
    }

    private Shell.Run fetchFromClient() throws Exception {
        Shell.Run fetch = Shell.run("ip", "netns", "exec", clientNs, "curl", "-s", "-S", "-m", "10", "http://" + VIP + "/");
        assertEquals(0, fetch.status(), () -> "curl through the VIP failed: " + fetch.output() + "\n" + logOrError());
        return fetch;
    }

    private Process startRealServer() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classes = Path.of(PeerEchoServer.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        Path log = dir.resolve("real-server.log");
        Process p = new ProcessBuilder("ip", "netns", "exec", serverNs, java, "-cp", classes,
                PeerEchoServer.class.getName(), "8080", "8081")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) fail("the real server exited:\n" + Files.readString(log));
            if (Files.readString(log).contains("ready")) return p;
            Thread.sleep(50);
        }
        p.destroyForcibly();
        return fail("the real server did not start:\n" + Files.readString(log));
    }

    private void awaitLogged(String line) throws Exception {
        for (int i = 0; i < 200 && !director.log().contains(line); i++) Thread.sleep(50);
        assertTrue(director.log().contains(line), director.log());
    }

    private String logOrError() {
        try {
            return director.log();
        } catch (IOException e) {
            return e.toString();
        }
    }

    private void up(String ns, String device, String cidr) throws Exception {
        Shell.sh("ip", "-n", ns, "addr", "add", cidr, "dev", device);
        Shell.sh("ip", "-n", ns, "link", "set", device, "up");
        Shell.sh("ip", "-n", ns, "link", "set", "lo", "up");
    }

    private static void requireTool(String tool, String debianPackage) throws Exception {
        if (Shell.run("sh", "-c", "command -v " + tool).status() != 0) {
            fail("TransparentNamespaceIT needs '" + tool + "': install the '" + debianPackage + "' package");
        }
    }
}

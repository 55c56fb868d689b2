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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Connection sync between two real directors, and a failover that keeps persistent clients on their real server:
 *
 * <pre>
 *   master ns  10.78.0.1 --veth--+
 *   backup ns  10.78.0.2 --veth--+-- br0 (lan ns): clients 10.78.0.10..16, real servers 10.78.0.100:8080 8081 8082
 * </pre>
 *
 * Both directors have the same table: a persistent (-p) rr NAT service on VIP 10.78.9.50:80 (on their lo) with
 * the three real servers. The lan routes the VIP to the master; the master's templates reach the backup; then
 * the route moves to the backup and every client must get the real server it had. Needs root and
 * {@code ip netns}; skipped otherwise. Every namespace is deleted afterwards.
 */
class ConnectionSyncIT {

    private static final String VIP = "10.78.9.50";
    private static final String MASTER_IP = "10.78.0.1";
    private static final String BACKUP_IP = "10.78.0.2";
    private static final String REAL_SERVER_IP = "10.78.0.100";
    private static final String WARM_UP_CLIENT = "10.78.0.10";
    private static final List<String> CLIENTS = List.of("10.78.0.11", "10.78.0.12", "10.78.0.13", "10.78.0.14",
            "10.78.0.15", "10.78.0.16");
    private static final AtomicInteger RUNS = new AtomicInteger();

    @TempDir
    Path dir;
    String lanNs;
    String masterNs;
    String backupNs;
    String masterLink;
    String backupLink;
    final List<String> createdNamespaces = new ArrayList<>();
    Process realServers;
    DirectorProcess master;
    DirectorProcess backup;

    @BeforeEach
    void buildNetwork() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "ConnectionSyncIT skipped: network namespaces need root");
        String suffix = ProcessHandle.current().pid() + "x" + RUNS.incrementAndGet();
        lanNs = "jvs-sl-" + suffix;
        masterNs = "jvs-sm-" + suffix;
        backupNs = "jvs-sb-" + suffix;
        Shell.Run probe = Shell.run("ip", "netns", "add", lanNs);
        Assumptions.assumeTrue(probe.status() == 0,
                () -> "ConnectionSyncIT skipped: 'ip netns add' is not available here: " + probe.output());
        createdNamespaces.add(lanNs);
        for (String ns : List.of(masterNs, backupNs)) {
            Shell.sh("ip", "netns", "add", ns);
            createdNamespaces.add(ns);
        }
        if (Shell.run("sh", "-c", "command -v curl").status() != 0) {
            fail("ConnectionSyncIT needs 'curl': install the 'curl' package");
        }
        masterLink = "jsm" + suffix;
        backupLink = "jsb" + suffix;
        Shell.sh("ip", "-n", lanNs, "link", "add", "br0", "type", "bridge");
        Shell.sh("ip", "-n", lanNs, "link", "set", "br0", "up");
        Shell.sh("ip", "-n", lanNs, "link", "set", "lo", "up");
        attach(masterNs, masterLink, "jlm" + suffix, MASTER_IP);
        attach(backupNs, backupLink, "jlb" + suffix, BACKUP_IP);
        Shell.sh("ip", "-n", lanNs, "addr", "add", REAL_SERVER_IP + "/24", "dev", "br0");
        Shell.sh("ip", "-n", lanNs, "addr", "add", WARM_UP_CLIENT + "/24", "dev", "br0");
        for (String client : CLIENTS) Shell.sh("ip", "-n", lanNs, "addr", "add", client + "/24", "dev", "br0");
        Shell.sh("ip", "-n", lanNs, "route", "add", VIP + "/32", "via", MASTER_IP);
        realServers = startRealServers();
    }

    /** A director namespace with its veth into the bridge, its address, and the VIP on its loopback. */
    private void attach(String ns, String link, String lanSide, String address) throws Exception {
        Shell.sh("ip", "link", "add", link, "netns", ns, "type", "veth", "peer", "name", lanSide, "netns", lanNs);
        Shell.sh("ip", "-n", lanNs, "link", "set", lanSide, "master", "br0", "up");
        Shell.sh("ip", "-n", ns, "addr", "add", address + "/24", "dev", link);
        Shell.sh("ip", "-n", ns, "link", "set", link, "up");
        Shell.sh("ip", "-n", ns, "link", "set", "lo", "up");
        Shell.sh("ip", "-n", ns, "addr", "add", VIP + "/32", "dev", "lo");
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (master != null) master.stop();
            if (backup != null) backup.stop();
            if (realServers != null) {
                realServers.destroy();
                if (!realServers.waitFor(10, TimeUnit.SECONDS)) realServers.destroyForcibly().waitFor();
            }
        } finally {
            // Deleting a namespace also deletes its veths, bridge, addresses and routes.
            for (String ns : createdNamespaces) Shell.run("ip", "netns", "del", ns);
        }
    }

    @Test
    void aBackupReceivesTheTemplatesByMulticastAndKeepsEachClientOnItsRealServerAfterFailover() throws Exception {
        startDirectors();
        backup.ok("--start-daemon", "backup", "--mcast-interface", backupLink);
        master.ok("--start-daemon", "master", "--mcast-interface", masterLink);

        assertEquals("master sync daemon (mcast=" + masterLink
                + ", syncid=0, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)\n", master.ok("-L", "--daemon"));
        assertEquals("backup sync daemon (mcast=" + backupLink
                + ", syncid=0, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)\n", backup.ok("-L", "--daemon"));
        DirectorProcess.Result again = master.ipvsadm("--start-daemon", "master", "--mcast-interface", masterLink);
        assertEquals("Daemon has already run\n", again.err());

        failoverKeepsEveryClientOnItsRealServer();

        backup.ok("--stop-daemon", "backup");
        assertEquals("", backup.ok("-L", "--daemon"));
        assertEquals("No daemon is running\n", backup.ipvsadm("--stop-daemon", "backup").err());
    }

    @Test
    void aSyncPeerGetsTheTemplatesByUnicastWhereMulticastDoesNotReach() throws Exception {
        // The master multicasts to a group the backup never joins: only the unicast copy can reach it.
        master = DirectorProcess.startInNamespace(masterNs, Files.createDirectories(dir.resolve("master")),
                "--sync-peer", BACKUP_IP);
        backup = DirectorProcess.startInNamespace(backupNs, Files.createDirectories(dir.resolve("backup")));
        configure(master);
        configure(backup);
        backup.ok("--start-daemon", "backup", "--mcast-interface", backupLink);
        master.ok("--start-daemon", "master", "--mcast-interface", masterLink, "--mcast-group", "239.255.78.1");

        failoverKeepsEveryClientOnItsRealServer();
    }

    private void startDirectors() throws Exception {
        master = DirectorProcess.startInNamespace(masterNs, Files.createDirectories(dir.resolve("master")));
        backup = DirectorProcess.startInNamespace(backupNs, Files.createDirectories(dir.resolve("backup")));
        configure(master);
        configure(backup);
    }

    /** The same table on both: persistent rr, three NAT real servers. */
    private static void configure(DirectorProcess director) throws Exception {
        director.ok("-A", "-t", VIP + ":80", "-s", "rr", "-p", "600");
        for (int port = 8080; port <= 8082; port++) {
            director.ok("-a", "-t", VIP + ":80", "-r", REAL_SERVER_IP + ":" + port, "-m");
        }
        awaitLogged(director, "listening on TCP " + VIP + ":80");
    }

    private void failoverKeepsEveryClientOnItsRealServer() throws Exception {
        // One client first, so the master's rr is one step ahead of the backup's: without sync, every client
        // below would get another real server from the backup.
        fetch(WARM_UP_CLIENT);
        Map<String, String> servedBy = new LinkedHashMap<>();
        for (String client : CLIENTS) servedBy.put(client, fetch(client));
        assertEquals(Set.of("8080", "8081", "8082"), new TreeSet<>(servedBy.values()), servedBy.toString());

        Set<String> masterTemplates = templates(master);
        assertEquals(CLIENTS.size() + 1, masterTemplates.size(), masterTemplates.toString());
        Set<String> backupTemplates = awaitTemplates(backup, masterTemplates);
        assertEquals(masterTemplates, backupTemplates, "backup -Lnc:\n" + backup.ok("-Lnc") + "\n" + backup.log());
        for (String client : CLIENTS) {
            String row = "TCP ASSURED " + client + ":0 " + VIP + ":80 " + REAL_SERVER_IP + ":" + servedBy.get(client);
            assertEquals(true, backupTemplates.contains(row), row + " in " + backupTemplates);
        }

        // Counted as the kernel counts them: each template in its real server's PersistConn, nothing else yet.
        for (int port = 8080; port <= 8082; port++) {
            String server = REAL_SERVER_IP + ":" + port;
            long templatesThere = masterTemplates.stream().filter(t -> t.endsWith(" " + server)).count();
            assertEquals(templatesThere + " 0 0", persistentConnColumns(backup, server), server);
        }

        Shell.sh("ip", "-n", lanNs, "route", "replace", VIP + "/32", "via", BACKUP_IP);
        for (String client : CLIENTS) {
            assertEquals(servedBy.get(client), fetch(client), client + " after failover");
        }
        // The backup really served them: its own templates now control connections of these clients.
        assertNotEquals("", backup.ok("-Lnc"));
    }

    /** Template rows of {@code -Lnc} without the expire column: protocol, state, client:0, virtual, real server. */
    private static Set<String> templates(DirectorProcess director) throws Exception {
        Set<String> rows = new TreeSet<>();
        for (String line : director.ok("-Lnc").split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 6 && f[3].endsWith(":0") && (f[2].equals("NONE") || f[2].equals("ASSURED"))) {
                rows.add(f[0] + " " + f[2] + " " + f[3] + " " + f[4] + " " + f[5]);
            }
        }
        return rows;
    }

    /** PersistConn, ActiveConn and InActConn of one real server in {@code -Ln --persistent-conn}. */
    private static String persistentConnColumns(DirectorProcess director, String server) throws Exception {
        for (String line : director.ok("-Ln", "--persistent-conn").split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 6 && f[0].equals("->") && f[1].equals(server)) return f[3] + " " + f[4] + " " + f[5];
        }
        return fail("no row for " + server + " in\n" + director.ok("-Ln", "--persistent-conn"));
    }

    /** The master flushes a partly filled message within 2 s; allow generous time on a busy machine. */
    private static Set<String> awaitTemplates(DirectorProcess director, Set<String> expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        Set<String> seen = templates(director);
        while (!seen.equals(expected) && System.nanoTime() < deadline) {
            Thread.sleep(200);
            seen = templates(director);
        }
        return seen;
    }

    /** One HTTP request from {@code client}'s address to the VIP; the real server's port that answered. */
    private String fetch(String client) throws Exception {
        Shell.Run r = Shell.run("ip", "netns", "exec", lanNs, "curl", "-s", "-S", "-m", "10", "--interface", client,
                "http://" + VIP + "/");
        assertEquals(0, r.status(), () -> "curl from " + client + " failed: " + r.output() + "\n" + logs());
        String[] answer = r.output().split(" ");
        assertEquals(2, answer.length, r.output());
        return answer[1];
    }

    private String logs() {
        try {
            return "master:\n" + (master == null ? "" : master.log()) + "\nbackup:\n"
                    + (backup == null ? "" : backup.log());
        } catch (IOException e) {
            return e.toString();
        }
    }

    private Process startRealServers() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classes = Path.of(PeerEchoServer.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        Path log = dir.resolve("real-servers.log");
        Process p = new ProcessBuilder("ip", "netns", "exec", lanNs, java, "-cp", classes,
                PeerEchoServer.class.getName(), "8080", "8081", "8082")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) fail("the real servers exited:\n" + Files.readString(log));
            if (Files.readString(log).contains("ready")) return p;
            Thread.sleep(50);
        }
        p.destroyForcibly();
        return fail("the real servers did not start:\n" + Files.readString(log));
    }

    private static void awaitLogged(DirectorProcess director, String line) throws Exception {
        for (int i = 0; i < 400 && !director.log().contains(line); i++) Thread.sleep(50);
        assertEquals(true, director.log().contains(line), director.log());
    }
}

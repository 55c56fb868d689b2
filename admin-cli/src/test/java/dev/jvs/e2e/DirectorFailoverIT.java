package dev.jvs.e2e;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.jvs.e2e.VrrpLab.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Two JVS directors with the same keepalived.conf (a VRRP instance holding the VIP, a DR virtual_server and
 * {@code lvs_sync_daemon}), two real servers with the VIP on lo and a client, all on one bridge. The master is
 * killed in the middle of an established TCP conversation; the backup takes the VIP and, from the synced flow,
 * keeps sending that conversation to the same real server. Every namespace is deleted afterwards.
 */
class DirectorFailoverIT {

    static final String VIP = "10.77.0.100";
    static final int DIRECTOR_A = 1, DIRECTOR_B = 2, RS1 = 3, RS2 = 4, CLIENT = 5;
    /** 3 × advert_int + skew, plus a generous margin for a loaded machine. */
    static final long FAILOVER_MILLIS = 3_000 + 1_000 + 12_000;

    /** Answers each line with the server's name and the line, connection kept open. */
    private static final String ECHO_SERVER = """
            import socketserver, sys
            name = sys.argv[1].encode()
            class H(socketserver.StreamRequestHandler):
                def handle(self):
                    for line in self.rfile:
                        self.wfile.write(name + b" " + line); self.wfile.flush()
            socketserver.ThreadingTCPServer.allow_reuse_address = True
            socketserver.ThreadingTCPServer((sys.argv[2], 7000), H).serve_forever()
            """;

    /** One long-lived connection: a line every 100 ms, each echo printed; any failure printed and the end. */
    static final String STREAMING_CLIENT = """
            import socket, sys, time
            s = socket.create_connection((sys.argv[1], 7000), timeout=30)
            f = s.makefile("rwb")
            n = 0
            try:
                while True:
                    n += 1
                    f.write(b"%d\\n" % n); f.flush()
                    print(f.readline().decode().strip(), flush=True)
                    time.sleep(0.1)
            except Exception as e:
                print("ERROR", e, flush=True)
            """;

    /** One short connection: one line, its echo printed. */
    private static final String ONE_LINE_CLIENT = """
            import socket, sys
            s = socket.create_connection((sys.argv[1], 7000), timeout=5)
            s.sendall(b"hello\\n")
            print(s.makefile("rb").readline().decode().strip())
            """;

    @BeforeAll
    static void needsRoot() {
        VrrpLab.assumeRootWithIp();
        assumeTrue(VrrpLab.hasCommand("python3"), "DirectorFailoverIT skipped: python3 is needed for the servers");
    }

    /** @param virtualServerExtra more virtual_server lines (e.g. persistence_timeout), or "" */
    static String keepalivedConf(String state, int priority, String virtualServerExtra) {
        return keepalivedConf(state, priority, virtualServerExtra, "");
    }

    /** @param instanceExtra more vrrp_instance lines (e.g. nopreempt), or "" */
    static String keepalivedConf(String state, int priority, String virtualServerExtra, String instanceExtra) {
        return """
                global_defs {
                    router_id director_%s
                    lvs_sync_daemon eth0 VI_1
                }
                vrrp_instance VI_1 {
                    state %s
                    interface eth0
                    virtual_router_id 51
                    priority %d
                    advert_int 1
                    %s
                    virtual_ipaddress {
                        %s/32 dev eth0
                    }
                }
                virtual_server %s 7000 {
                    lb_algo rr
                    lb_kind DR
                    protocol TCP
                    %s
                    real_server %s%d 7000 {
                        weight 1
                    }
                    real_server %s%d 7000 {
                        weight 1
                    }
                }
                """.formatted(state, state, priority, instanceExtra, VIP, VIP, virtualServerExtra, VrrpLab.SUBNET, RS1, VrrpLab.SUBNET,
                RS2);
    }

    static DirectorProcess director(VrrpLab lab, int node, Path dir, String conf) throws Exception {
        Path home = Files.createDirectories(dir.resolve("director" + node));
        Path file = Files.writeString(home.resolve("keepalived.conf"), conf);
        return DirectorProcess.startWith(home, lab.in(node), "--keepalived-conf", file.toString());
    }

    static void realServer(VrrpLab lab, int node, String name, Path dir) throws Exception {
        run(lab, node, DirectorProcess.HOME.resolve("examples/lvs_dr_rs.sh").toString(), VIP);
        lab.spawn(node, dir.resolve(name + ".log"), "python3", "-c", ECHO_SERVER, name, VIP);
        awaitTrue(name + " listening", 15_000,
                () -> VrrpLab.output(cmd(lab, node, "ss", "-ltnH")).contains(VIP + ":7000"));
    }

    static String[] cmd(VrrpLab lab, int node, String... command) {
        List<String> c = new java.util.ArrayList<>(lab.in(node));
        c.addAll(List.of(command));
        return c.toArray(new String[0]);
    }

    static String run(VrrpLab lab, int node, String... command) throws Exception {
        return VrrpLab.output(cmd(lab, node, command));
    }

    /** Starts the streaming client; its echoes land in {@code echoes} as they arrive. */
    private static Process streamingClient(VrrpLab lab, List<String> echoes) throws IOException {
        return streamingClient(lab, echoes::add);
    }

    /** Starts the streaming client; each output line (an echo, or "ERROR ...") goes to {@code echoes}. */
    static Process streamingClient(VrrpLab lab, java.util.function.Consumer<String> echoes) throws IOException {
        Process p = new ProcessBuilder(cmd(lab, CLIENT, "python3", "-c", STREAMING_CLIENT, VIP))
                .redirectErrorStream(true).start();
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) echoes.accept(line);
                echoes.accept("ERROR client exited");
            } catch (IOException e) {
                echoes.accept("ERROR " + e);
            }
        }, "client-output");
        reader.setDaemon(true);
        reader.start();
        return p;
    }

    /** What runs once both directors are up: A master (VIP, master sync daemon), B backup. */
    private interface Drill {
        void run(VrrpLab lab, DirectorProcess a, DirectorProcess b) throws Exception;
    }

    private static void withDirectorPair(Path dir, String virtualServerExtra, Drill drill) throws Exception {
        try (VrrpLab lab = new VrrpLab(5)) {
            realServer(lab, RS1, "RS1", dir);
            realServer(lab, RS2, "RS2", dir);
            try (DirectorProcess a = director(lab, DIRECTOR_A, dir, keepalivedConf("MASTER", 150, virtualServerExtra));
                 DirectorProcess b = director(lab, DIRECTOR_B, dir, keepalivedConf("BACKUP", 100, virtualServerExtra))) {
                awaitTrue("A holds the VIP", 15_000, () -> lab.hasAddress(DIRECTOR_A, VIP));
                awaitTrue("A runs the master sync daemon", 10_000,
                        () -> a.log().contains("master sync daemon started"));
                awaitTrue("B runs the backup sync daemon", 10_000,
                        () -> b.log().contains("backup sync daemon started"));
                drill.run(lab, a, b);
            }
        }
    }

    /** SIGKILL of A (no priority-0 advert: B must time out), then B holding the VIP as sync master. */
    private static void crashAAndAwaitB(VrrpLab lab, DirectorProcess a, DirectorProcess b) throws Exception {
        long killed = System.nanoTime();
        a.kill();
        VrrpLab.awaitWithin("B (priority 100) takes the VIP within 3 × advert_int + skew + 1 s of the kill", killed,
                VrrpLab.crashTakeoverBoundMillis(2, 100, 1_000), () -> lab.hasAddress(DIRECTOR_B, VIP));
        awaitTrue("B runs the master sync daemon", 10_000, () -> b.log().contains("master sync daemon started"));
    }

    private static String address(String server) {
        return VrrpLab.SUBNET + (server.equals("RS1") ? RS1 : RS2);
    }

    @Test
    void anEstablishedFlowSurvivesTheMastersCrashOnItsRealServerAndNewConnectionsWork(@TempDir Path dir)
            throws Exception {
        withDirectorPair(dir, "", (lab, a, b) -> {
            List<String> echoes = new CopyOnWriteArrayList<>();
            Process client = streamingClient(lab, echoes);
            try {
                awaitTrue("10 echoes through A", 15_000, () -> echoes.size() >= 10);
                String server = echoes.get(0).split(" ")[0];
                assertTrue(server.equals("RS1") || server.equals("RS2"), echoes + "\n" + a.log());
                String clientAddress = VrrpLab.SUBNET + CLIENT + ":";
                awaitTrue("the flow is synced to B and listed by its -Lnc", 10_000, () -> b.ok("-Lnc").lines()
                        .anyMatch(l -> l.contains("ESTABLISHED") && l.contains(clientAddress)
                                && l.contains(address(server) + ":7000")));

                int echoesAtCrash = echoes.size();
                crashAAndAwaitB(lab, a, b);
                awaitTrue("the same conversation goes on through B", FAILOVER_MILLIS,
                        () -> echoes.size() >= echoesAtCrash + 20);

                assertTrue(client.isAlive(), "the client's connection survived: " + echoes);
                for (String echo : echoes) {
                    assertEquals(server, echo.split(" ")[0], "every echo from the same real server: " + echoes);
                }
                String fresh = run(lab, CLIENT, "python3", "-c", ONE_LINE_CLIENT, VIP).trim();
                assertTrue(fresh.equals("RS1 hello") || fresh.equals("RS2 hello"),
                        "a new connection through B: " + fresh + "\n" + b.log());
            } finally {
                client.destroyForcibly().waitFor();
            }
        });
    }

    @Test
    void aPersistentClientKeepsItsRealServerForNewConnectionsAfterTheMastersCrash(@TempDir Path dir)
            throws Exception {
        withDirectorPair(dir, "persistence_timeout 120", (lab, a, b) -> {
            String first = run(lab, CLIENT, "python3", "-c", ONE_LINE_CLIENT, VIP).trim();
            assertTrue(first.equals("RS1 hello") || first.equals("RS2 hello"), first + "\n" + a.log());
            String server = first.split(" ")[0];
            String template = VrrpLab.SUBNET + CLIENT + ":0";
            awaitTrue("the template is synced to B", 10_000, () -> b.ok("-Lnc").lines()
                    .anyMatch(l -> l.contains(" ASSURED ") && l.contains(template) && l.contains(address(server))));

            crashAAndAwaitB(lab, a, b);
            for (int i = 0; i < 4; i++) {
                assertEquals(server + " hello", run(lab, CLIENT, "python3", "-c", ONE_LINE_CLIENT, VIP).trim(),
                        "rr alone would alternate; the synced template keeps the client on " + server);
            }
        });
    }
}

package dev.jvs.e2e;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Three active JVS directors behind an ECMP router, each announcing the VIP with a real BIRD 2 (BGP + BFD) from
 * {@code examples/ecmp-bgp/}; DR with mh (mh-port) over three real servers; {@code bench/lib/ecmp_topology.sh}.
 * New connections spread over the directors; a director whose real servers are all down withdraws the VIP and
 * announces it again when one returns; 100 long-lived echo flows survive a director's crash (link silent, SIGKILL of
 * JVS and BIRD; BFD withdraws its
 * route, --sloppy-tcp and mh put every flow on its real server through the others) and another's SIGTERM (drain:
 * the VIP leaves the router before the director exits, no flow stalls). Needs root and bird2; skipped otherwise.
 */
class EcmpBgpIT {

    private static final String VIP = "10.92.0.1";
    private static final int PORT = 7000;
    private static final String ECHO_SERVER = """
            import socketserver, sys
            name = sys.argv[1].encode()
            class H(socketserver.StreamRequestHandler):
                def handle(self):
                    for line in self.rfile:
                        self.wfile.write(name + b"\\n"); self.wfile.flush()
            socketserver.ThreadingTCPServer.allow_reuse_address = True
            socketserver.ThreadingTCPServer.daemon_threads = True
            socketserver.ThreadingTCPServer((sys.argv[2], int(sys.argv[3])), H).serve_forever()
            """;

    @TempDir
    Path dir;
    String p;
    final List<Process> processes = new ArrayList<>();
    final Process[] birds = new Process[4];
    final DirectorProcess[] directors = new DirectorProcess[4];

    @AfterEach
    void tearDown() throws Exception {
        try {
            for (DirectorProcess d : directors) if (d != null && d.alive()) d.kill();
            for (Process pr : processes) {
                pr.descendants().forEach(ProcessHandle::destroyForcibly);
                pr.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } finally {
            if (p != null) Shell.run(topology(), "down", p);
        }
    }

    private static String topology() {
        return DirectorProcess.HOME.resolve("bench/lib/ecmp_topology.sh").toString();
    }

    @Test
    void threeDirectorsShareTheFlowsAndNoFlowIsLostWhenOneDiesOrDrains() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "EcmpBgpIT skipped: needs root");
        Assumptions.assumeTrue(Shell.run("sh", "-c", "command -v bird && command -v birdc").status() == 0,
                "EcmpBgpIT skipped: bird2 is not installed (apt-get install bird2)");
        p = "je" + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36), 36);
        Shell.sh(topology(), "up", p);

        Path examples = DirectorProcess.HOME.resolve("examples/ecmp-bgp");
        birds[0] = bird("r", Files.readString(examples.resolve("bird-router.conf")), "router");
        String directorConf = Files.readString(examples.resolve("bird-director.conf"));
        for (int i = 1; i <= 3; i++) {
            birds[i] = bird("d" + i, directorConf.replace("10.91.0.11", "10.91.0.1" + i), "d" + i);
            processes.add(new ProcessBuilder(exec("s" + i, "python3", "-c", ECHO_SERVER, "s" + i, VIP, "" + PORT))
                    .redirectErrorStream(true).redirectOutput(dir.resolve("s" + i + ".log").toFile()).start());
        }
        for (int i = 1; i <= 3; i++) {
            Path d = Files.createDirectories(dir.resolve("director" + i));
            directors[i] = DirectorProcess.startInNamespace(p + "d" + i, d, "--announce-interface", "lo",
                    "--sloppy-tcp", "--drain-delay", "2", "--interface", "eth0");
            directors[i].ok("-A", "-t", VIP + ":" + PORT, "-s", "mh", "-b", "mh-port");
            for (int s = 1; s <= 3; s++) directors[i].ok("-a", "-t", VIP + ":" + PORT, "-r", "10.91.0.2" + s, "-g");
        }
        await("three next hops for the VIP on the router", 30, () -> nextHops() == 3);

        // 1. New connections spread over the three directors.
        long[] before = conns();
        Shell.Run spread = Shell.run(exec("c", "python3", client(), "spread", VIP, "" + PORT, "300")
                .toArray(new String[0]));
        assertEquals(0, spread.status(), spread.output());
        long[] after = conns();
        StringBuilder shares = new StringBuilder();
        for (int i = 1; i <= 3; i++) {
            long n = after[i] - before[i];
            shares.append(" d").append(i).append('=').append(n * 100 / 300).append('%');
            assertTrue(n >= 60 && n <= 141, "director " + i + " got " + n + " of 300 new connections");
        }

        // 2. All real servers of one director down (weight 0, as inhibit_on_failure): it withdraws the VIP.
        for (int s = 1; s <= 3; s++) directors[3].ok("-e", "-t", VIP + ":" + PORT, "-r", "10.91.0.2" + s, "-g", "-w", "0");
        await("d3 withdrawn while its real servers are down", 10, () -> !viaDirector(3));
        directors[3].ok("-e", "-t", VIP + ":" + PORT, "-r", "10.91.0.22", "-g", "-w", "1");
        await("d3 announced again with one real server back", 10, () -> viaDirector(3));
        for (int s : new int[] {1, 3}) directors[3].ok("-e", "-t", VIP + ":" + PORT, "-r", "10.91.0.2" + s, "-g", "-w", "1");

        // 3. 100 long-lived flows; SIGKILL d1 (director and its BIRD: a crashed host), then SIGTERM d2.
        Path stop = dir.resolve("stop");
        Process flows = new ProcessBuilder(exec("c", "python3", client(), "flows", VIP, "" + PORT, "100", stop.toString()))
                .redirectErrorStream(true).redirectOutput(dir.resolve("flows.log").toFile()).start();
        processes.add(flows);
        Thread.sleep(2000);
        // A crashed host says nothing: first nothing leaves d1 any more (a killed BIRD alone would close its BGP
        // session with a FIN, which withdraws at once; a link set down would make the bridge flood d1's frames to
        // the others), then its director and BIRD are SIGKILLed. Only BFD tells the router.
        long kill = System.currentTimeMillis();
        Shell.sh("ip", "netns", "exec", p + "d1", "nft", "add", "table", "inet", "crash");
        Shell.sh("ip", "netns", "exec", p + "d1", "nft", "add", "chain", "inet", "crash", "out",
                "{ type filter hook output priority 0 ; policy drop ; }");
        directors[1].kill();
        birds[1].destroyForcibly();
        await("d1 withdrawn after its crash (BFD)", 10, () -> !viaDirector(1));
        long killWithdrawn = System.currentTimeMillis() - kill;
        Thread.sleep(3000);

        long term = System.currentTimeMillis();
        directors[2].sigterm();
        await("d2 withdrawn on SIGTERM", 10, () -> !viaDirector(2));
        long termWithdrawn = System.currentTimeMillis() - term;
        assertTrue(directors[2].alive(), "the VIP left the router's table before d2 exited");
        assertEquals(0, directors[2].stop());
        long termExit = System.currentTimeMillis() - term;
        Thread.sleep(1500);
        Files.writeString(stop, "");
        assertTrue(flows.waitFor(20, TimeUnit.SECONDS));
        String report = Files.readString(dir.resolve("flows.log"));

        List<Double> killStalls = new ArrayList<>();
        double worstTermStall = 0;
        int surviving = 0;
        for (String line : report.split("\n")) {
            if (!line.startsWith("flow ")) continue;
            String[] f = line.split(" ");
            boolean ok = f[3].equals("changed=0") && f[4].equals("broken=0");
            if (ok) surviving++;
            double killStall = 0;
            String gaps = f[6].substring("gaps=".length());
            for (String g : gaps.isEmpty() ? new String[0] : gaps.split(",")) {
                double start = Double.parseDouble(g.split(":")[0]) * 1000;
                double stall = Double.parseDouble(g.split(":")[1]) * 1000 - 100;
                if (start >= term - 200) worstTermStall = Math.max(worstTermStall, stall);
                else if (start >= kill - 200) killStall = Math.max(killStall, stall);
            }
            if (killStall > 0) killStalls.add(killStall);
        }
        killStalls.sort(null);
        String figures = "EcmpBgpIT: spread" + shares + "; flows surviving SIGKILL+SIGTERM " + surviving
                + "/100; SIGKILL: route withdrawn after " + killWithdrawn + " ms, " + killStalls.size()
                + " flows stalled, stall median " + (killStalls.isEmpty() ? 0 : Math.round(killStalls.get(killStalls.size() / 2)))
                + " ms max " + (killStalls.isEmpty() ? 0 : Math.round(killStalls.get(killStalls.size() - 1)))
                + " ms; SIGTERM: route withdrawn after " + termWithdrawn + " ms, exit after " + termExit
                + " ms, worst stall " + Math.round(worstTermStall) + " ms";
        System.out.println(figures);
        assertEquals(100, report.lines().filter(l -> l.startsWith("flow ")).count(), report);
        assertEquals(100, surviving, figures + "\n" + report);
        // Draining loses no packet: a lost segment would cost a retransmission timeout (200 ms at least), while the
        // switch of route itself and the scheduling of a loaded test machine stay well below one echo interval.
        assertTrue(worstTermStall < 200, "no packet lost while draining: " + figures);
    }

    private Process bird(String ns, String config, String name) throws IOException {
        Path conf = dir.resolve(name + ".conf");
        Files.writeString(conf, config);
        Process b = new ProcessBuilder(exec(ns, "bird", "-f", "-c", conf.toString(), "-s",
                dir.resolve(name + ".ctl").toString())).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + "-bird.log").toFile()).start();
        processes.add(b);
        return b;
    }

    private String client() {
        return DirectorProcess.HOME.resolve("admin-cli/src/test/resources/ecmp_client.py").toString();
    }

    private List<String> exec(String ns, String... command) {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", p + ns));
        c.addAll(Arrays.asList(command));
        return c;
    }

    private String route() {
        try {
            return Shell.run("ip", "-n", p + "r", "route", "show", VIP).output();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private int nextHops() {
        String r = route();
        if (r.isBlank()) return 0;
        int n = (int) r.lines().filter(l -> l.contains("nexthop via")).count();
        return n == 0 ? 1 : n;
    }

    private boolean viaDirector(int i) {
        return route().contains("via 10.91.0.1" + i + " ");
    }

    /** Connections scheduled by each director so far (its service's Conns). */
    private long[] conns() throws Exception {
        long[] n = new long[4];
        for (int i = 1; i <= 3; i++) {
            if (directors[i] == null || !directors[i].alive()) continue;
            for (String line : directors[i].ok("-Ln", "--stats", "--exact").split("\n")) {
                String[] f = line.trim().split("\\s+");
                if (f.length >= 3 && f[0].equals("TCP") && f[1].equals(VIP + ":" + PORT)) n[i] = Long.parseLong(f[2]);
            }
        }
        return n;
    }

    private void await(String what, int seconds, BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                StringBuilder logs = new StringBuilder("timed out: " + what + "\nrouter: " + route());
                for (int i = 1; i <= 3; i++) if (directors[i] != null) logs.append("\nd").append(i).append(":\n").append(directors[i].log());
                fail(logs.toString());
            }
            Thread.sleep(20);
        }
    }
}

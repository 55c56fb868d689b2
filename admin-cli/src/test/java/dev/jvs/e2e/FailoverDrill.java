package dev.jvs.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import static dev.jvs.e2e.DirectorFailoverIT.CLIENT;
import static dev.jvs.e2e.DirectorFailoverIT.DIRECTOR_A;
import static dev.jvs.e2e.DirectorFailoverIT.DIRECTOR_B;
import static dev.jvs.e2e.DirectorFailoverIT.RS1;
import static dev.jvs.e2e.DirectorFailoverIT.RS2;
import static dev.jvs.e2e.DirectorFailoverIT.VIP;
import static dev.jvs.e2e.VrrpLab.awaitTrue;

/**
 * The failover drill, run by {@code bench/failover_drill.sh}. Not part of the test suite: its name does not
 * end in IT, so only {@code -Dit.test=FailoverDrill} runs it. The
 * {@link DirectorFailoverIT} topology, N long-lived echo flows through the DR VIP, then R rounds of: SIGKILL the
 * current master, time the VIP appearing on the other director and the flows answering through it, count broken
 * flows, restart the killed director and wait until it has every flow synced. Both directors are {@code state
 * BACKUP} with {@code nopreempt} (priorities 150 and 100), so a restarted director stays backup and the drills
 * alternate A, B, A, B ...
 */
class FailoverDrill {

    /** A flow is broken if it errors or goes this long without an echo. */
    static final long BROKEN_GAP_NANOS = 10_000_000_000L;

    /** One streaming client: when each echo arrived, and whether it failed. */
    static final class Flow {
        final List<Long> echoTimes = new ArrayList<>();
        volatile String error;
        volatile String server;
        Process process;

        synchronized void echo(String line) {
            if (line.startsWith("ERROR")) {
                if (error == null) error = line;
                return;
            }
            String from = line.split(" ")[0];
            if (server == null) server = from;
            else if (!server.equals(from) && error == null) error = "answered by " + from + " after " + server;
            echoTimes.add(System.nanoTime());
        }

        synchronized int echoes() { return echoTimes.size(); }

        /** Arrival time of the n-th echo (1-based) after {@code since}, or -1. */
        synchronized long nthEchoAfter(long since, int n) {
            for (long t : echoTimes) if (t > since && --n == 0) return t;
            return -1;
        }

        synchronized long lastEchoBefore(long until) {
            long last = -1;
            for (long t : echoTimes) if (t <= until) last = t;
            return last;
        }
    }

    record Round(int number, String killed, double vipSeconds, double firstEchoSeconds, double allFlowsSeconds,
                 int broken, double settleSeconds) {
        String line() {
            return String.format(Locale.ROOT, "drill %2d kill %s  vip-up %6.2f s  first-echo %6.2f s  all-flows %6.2f s"
                    + "  broken %d  resync %5.1f s", number, killed, vipSeconds, firstEchoSeconds, allFlowsSeconds,
                    broken, settleSeconds);
        }
    }

    @Test
    void drill(@TempDir Path dir) throws Exception {
        VrrpLab.assumeRootWithIp();
        int flows = Integer.getInteger("jvs.drill.flows", 20);
        int rounds = Integer.getInteger("jvs.drill.rounds", 10);
        Path report = Path.of(System.getProperty("jvs.drill.report", dir.resolve("drill.txt").toString()));
        List<String> lines = new ArrayList<>();

        try (VrrpLab lab = new VrrpLab(5)) {
            DirectorFailoverIT.realServer(lab, RS1, "RS1", dir);
            DirectorFailoverIT.realServer(lab, RS2, "RS2", dir);
            DirectorProcess[] directors = new DirectorProcess[3];
            List<Flow> all = new ArrayList<>();
            try {
                directors[DIRECTOR_A] = start(lab, DIRECTOR_A, dir);
                awaitTrue("A holds the VIP", 15_000, () -> lab.hasAddress(DIRECTOR_A, VIP));
                directors[DIRECTOR_B] = start(lab, DIRECTOR_B, dir);
                awaitTrue("B runs the backup sync daemon", 10_000,
                        () -> directors[DIRECTOR_B].log().contains("backup sync daemon started"));
                for (int i = 0; i < flows; i++) all.add(startFlow(lab));
                awaitTrue("every flow answers", 30_000, () -> all.stream().allMatch(f -> f.echoes() >= 5));
                int master = DIRECTOR_A;
                double settle = awaitSynced(directors[DIRECTOR_B], flows);
                lines.add(String.format(Locale.ROOT, "%d flows synced to the backup in %.1f s", flows, settle));
                System.out.println(lines.get(lines.size() - 1));

                List<Round> done = new ArrayList<>();
                for (int round = 1; round <= rounds; round++) {
                    int backup = master == DIRECTOR_A ? DIRECTOR_B : DIRECTOR_A;
                    long kill = System.nanoTime();
                    directors[master].kill();
                    long vipUp = -1;
                    while (System.nanoTime() - kill < 30_000_000_000L) {
                        if (lab.hasAddress(backup, VIP)) {
                            vipUp = System.nanoTime();
                            break;
                        }
                        Thread.sleep(10);
                    }
                    // The 2nd echo after the kill was asked for after the kill, so it went through the new master.
                    long deadline = kill + 25_000_000_000L;
                    while (System.nanoTime() < deadline && !all.stream().allMatch(f -> f.error != null
                            || f.nthEchoAfter(kill, 2) > 0)) {
                        Thread.sleep(20);
                    }
                    long first = Long.MAX_VALUE, last = 0;
                    List<Flow> broken = new ArrayList<>();
                    for (Flow f : all) {
                        long resumed = f.nthEchoAfter(kill, 2);
                        long before = f.lastEchoBefore(kill);
                        if (f.error != null || resumed < 0 || resumed - before > BROKEN_GAP_NANOS) {
                            broken.add(f);
                            continue;
                        }
                        first = Math.min(first, resumed);
                        last = Math.max(last, resumed);
                    }
                    // The crashed director's VIP stays behind; clear it as its reboot would, then restart it.
                    VrrpLab.output("ip", "-n", lab.ns(master), "addr", "del", VIP + "/32", "dev", "eth0");
                    directors[master] = start(lab, master, dir);
                    for (Flow f : broken) {
                        f.process.destroyForcibly().waitFor();
                        all.set(all.indexOf(f), startFlow(lab));
                    }
                    awaitTrue("replacement flows answer", 30_000, () -> all.stream().allMatch(f -> f.echoes() >= 2));
                    double resync = awaitSynced(directors[master], flows);
                    Round r = new Round(round, master == DIRECTOR_A ? "A" : "B", seconds(kill, vipUp),
                            seconds(kill, first == Long.MAX_VALUE ? -1 : first),
                            seconds(kill, last == 0 ? -1 : last), broken.size(), resync);
                    done.add(r);
                    lines.add(r.line());
                    System.out.println(r.line());
                    for (Flow f : broken) System.out.println("    broken: " + f.error + ", " + f.echoes() + " echoes");
                    master = backup;
                }
                lines.add(String.format(Locale.ROOT, "median vip-up %.2f s, median first-echo %.2f s,"
                        + " median all-flows %.2f s, broken flows %d of %d flow-drills",
                        median(done.stream().mapToDouble(Round::vipSeconds).toArray()),
                        median(done.stream().mapToDouble(Round::firstEchoSeconds).toArray()),
                        median(done.stream().mapToDouble(Round::allFlowsSeconds).toArray()),
                        done.stream().mapToInt(Round::broken).sum(), flows * rounds));
                System.out.println(lines.get(lines.size() - 1));
            } finally {
                Files.write(report, lines);
                for (Flow f : all) if (f.process != null) f.process.destroyForcibly().waitFor();
                for (DirectorProcess d : directors) if (d != null) d.close();
            }
        }
    }

    private static DirectorProcess start(VrrpLab lab, int node, Path dir) throws Exception {
        return DirectorFailoverIT.director(lab, node, dir, DirectorFailoverIT.keepalivedConf("BACKUP",
                node == DIRECTOR_A ? 150 : 100, "", "nopreempt"));
    }

    private static Flow startFlow(VrrpLab lab) throws IOException {
        Flow f = new Flow();
        f.process = DirectorFailoverIT.streamingClient(lab, f::echo);
        return f;
    }

    /** Seconds until every client flow is ESTABLISHED in {@code backup}'s table (-1: not within 60 s). */
    private static double awaitSynced(DirectorProcess backup, int flows) throws Exception {
        long start = System.nanoTime();
        String client = VrrpLab.SUBNET + CLIENT + ":";
        while (System.nanoTime() - start < 60_000_000_000L) {
            DirectorProcess.Result r = backup.ipvsadm("-Lnc");
            if (r.status() == 0 && r.out().lines().filter(l -> l.contains("ESTABLISHED") && l.contains(client))
                    .count() >= flows) {
                return (System.nanoTime() - start) / 1e9;
            }
            Thread.sleep(200);
        }
        return -1;
    }

    private static double seconds(long from, long to) { return to < 0 ? -1 : (to - from) / 1e9; }

    static double median(double[] values) {
        double[] v = Arrays.stream(values).filter(x -> x >= 0).sorted().toArray();
        if (v.length == 0) return -1;
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}

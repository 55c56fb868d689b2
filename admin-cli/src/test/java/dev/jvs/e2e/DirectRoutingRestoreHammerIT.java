package dev.jvs.e2e;

import dev.jvs.cli.InProcessCli;
import dev.jvs.control.ControlReply;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Restoring the identical table under a DR service (-g) in namespaces: a long-lived flow exchanging a line every
 * 20-50 ms keeps its real server through 50 restores, fresh connections opened meanwhile all get through, and
 * the real servers' connection counters never go backwards.
 */
class DirectRoutingRestoreHammerIT extends DirectorInNamespaces {

    static final int RESTORES = 50;

    /**
     * In the client namespace: one long-lived connection to VIP:7000 sending a line every 20-50 ms ("flow NAME"
     * per answer), and a fresh connection every 200 ms ("fresh NAME"); failures are printed, never raised.
     * A line on stdin stops both; "done" is printed last.
     */
    private static final String CLIENT = """
            import random, socket, sys, threading, time
            vip = sys.argv[1]
            lock = threading.Lock()
            stop = threading.Event()
            def out(s):
                with lock: print(s, flush=True)
            def fresh():
                while not stop.is_set():
                    try:
                        c = socket.create_connection((vip, 7000), timeout=5)
                        c.sendall(b"x\\n")
                        r = c.makefile("rb").readline().decode().strip()
                        c.close()
                        out("fresh " + (r or "EMPTY"))
                    except Exception as e:
                        out("fresh-fail " + repr(e))
                    stop.wait(0.2)
            def watch():
                sys.stdin.readline()
                stop.set()
            s = socket.create_connection((vip, 7000), timeout=5)
            f = s.makefile("rwb")
            threading.Thread(target=watch, daemon=True).start()
            fresher = threading.Thread(target=fresh)
            fresher.start()
            while not stop.is_set():
                try:
                    f.write(b"x\\n"); f.flush()
                    out("flow " + (f.readline().decode().strip() or "EMPTY"))
                except Exception as e:
                    out("flow-fail " + repr(e))
                    break
                time.sleep(random.uniform(0.02, 0.05))
            fresher.join()
            out("done")
            """;

    @Test
    void aLongLivedFlowKeepsItsRealServerThroughIdenticalRestores() throws Exception {
        String vip = Namespaces.VIP + ":7000";
        DirectorProcess.Result added = director.ipvsadmWithInput("-A -t " + vip + " -s rr\n-a -t " + vip + " -r "
                + Namespaces.RS1 + " -g\n-a -t " + vip + " -r " + Namespaces.RS2 + " -g\n", "-R");
        assertEquals(0, added.status(), added.err());
        String saved = director.ok("-S", "-n");

        try (ScriptClient client = ScriptClient.start(net, "c", CLIENT, director::log, Namespaces.VIP)) {
            String first = client.awaitLine("flow ");
            assertTrue(first.equals("flow RS1") || first.equals("flow RS2"), client.seen() + "\n" + director.log());
            client.awaitLine("fresh ");
            long[] counters = serverConns(director.ok("-Ln", "--stats", "--exact"));
            long retransmittedBefore = net.tcpRetransmissions("c");

            long started = System.nanoTime();
            // the real tools once each, then the same requests from this JVM (a JVM start per restore would take
            // most of the test's time)
            DirectorProcess.Result r = director.run(saved, "bin/ipvsadm-restore");
            assertEquals(0, r.status(), r.err());
            r = director.ipvsadmWithInput("-C\n" + saved, "-R");
            assertEquals(0, r.status(), r.err());
            for (int i = 2; i < RESTORES; i++) {
                // an exchange of the long flow between two restores: traffic overlaps every one of them
                client.awaitLine("flow ");
                ControlReply restored = i % 2 == 0
                        ? InProcessCli.restore(director.socket(), saved, true)
                        : InProcessCli.restore(director.socket(), "-C\n" + saved, false);
                assertEquals(0, restored.status(), restored.stderr());
                ControlReply stats = InProcessCli.ipvsadm(director.socket(), "-Ln", "--stats", "--exact");
                assertEquals(0, stats.status(), stats.stderr());
                long[] now = serverConns(stats.stdout());
                assertTrue(now[0] >= counters[0] && now[1] >= counters[1], "the real servers' Conns went from "
                        + counters[0] + "/" + counters[1] + " to " + now[0] + "/" + now[1] + " at restore " + i
                        + ":\n" + stats.stdout());
                counters = now;
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            // a few more exchanges after the last restore, then stop the client
            int exchanged = client.count("flow ");
            while (client.count("flow ") < exchanged + 3) {
                client.awaitLine("flow ");
            }
            client.stop();

            List<String> flow = client.seen().stream().filter(l -> l.startsWith("flow")).toList();
            List<String> fresh = client.seen().stream().filter(l -> l.startsWith("fresh")).toList();
            List<String> failed = client.seen().stream().filter(l -> l.contains("-fail") || l.contains("EMPTY"))
                    .toList();
            System.out.printf("DirectRoutingRestoreHammerIT: %d restores in %.1f s; the long flow exchanged %d"
                    + " lines, %d fresh connections, %d failures, %d TCP segments retransmitted by the client%n",
                    RESTORES, seconds, flow.size(), fresh.size(), failed.size(),
                    net.tcpRetransmissions("c") - retransmittedBefore);
            assertEquals(List.of(), failed, "every exchange answered, every fresh connection served\n"
                    + director.log());
            assertEquals(List.of(first), flow.stream().distinct().toList(), "the flow stays on its real server");
            assertTrue(flow.size() > RESTORES, "the flow exchanged lines during the restores: " + flow.size());
            assertTrue(fresh.stream().distinct().count() == 2, "fresh connections reach both servers: " + fresh);
            assertEquals(saved, director.ok("-S", "-n"), "the table is the one restored");
            // every connection since the start is counted: the long flow and each fresh one
            long[] end = serverConns(director.ok("-Ln", "--stats", "--exact"));
            assertEquals(1 + fresh.size(), end[0] + end[1], "Conns of RS1 " + end[0] + " + RS2 " + end[1]);
        }
    }

    /** The Conns column of RS1's and RS2's rows in an {@code -Ln --stats --exact} listing. */
    private static long[] serverConns(String listing) {
        return new long[] {conns(listing, Namespaces.RS1 + ":7000"), conns(listing, Namespaces.RS2 + ":7000")};
    }

    private static long conns(String listing, String server) {
        String row = listing.lines().filter(l -> l.startsWith("  -> " + server)).findFirst()
                .orElseThrow(() -> new AssertionError("no row " + server + " in\n" + listing));
        return Long.parseLong(row.trim().split(" +")[2]);
    }
}

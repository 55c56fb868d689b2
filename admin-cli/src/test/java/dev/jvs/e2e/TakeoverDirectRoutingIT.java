package dev.jvs.e2e;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --takeover} of a director forwarding direct-routing services in namespaces: the old director hands its
 * packet flows and persistence templates over when it stops forwarding, so a long-lived TCP flow keeps its real
 * server (which a new schedule would no longer pick) without a reset, and a persistent client keeps its server.
 */
class TakeoverDirectRoutingIT extends DirectorInNamespaces {

    /**
     * In the client namespace: one long-lived connection to VIP:7000 sending a line every 20-50 ms and printing
     * "flow NAME" per answer; a failure is printed, never raised. A line on stdin stops it; "done" is printed last.
     */
    private static final String CLIENT = """
            import random, socket, sys, threading, time
            stop = threading.Event()
            def watch():
                sys.stdin.readline()
                stop.set()
            s = socket.create_connection((sys.argv[1], 7000), timeout=5)
            f = s.makefile("rwb")
            threading.Thread(target=watch, daemon=True).start()
            while not stop.is_set():
                try:
                    f.write(b"x\\n"); f.flush()
                    print("flow " + (f.readline().decode().strip() or "EMPTY"), flush=True)
                except Exception as e:
                    print("flow-fail " + repr(e), flush=True)
                    break
                time.sleep(random.uniform(0.02, 0.05))
            print("done", flush=True)
            """;

    DirectorProcess successor;

    @AfterEach
    void stopSuccessor() throws Exception {
        if (successor != null) successor.stop(); // before the director it took over, and the namespaces
    }

    @Test
    void aLongLivedFlowAndAPersistentClientKeepTheirRealServersAcrossATakeover() throws Exception {
        String flowService = Namespaces.VIP + ":7000";
        String persistent = Namespaces.VIP + ":80";
        for (String service : List.of(flowService, persistent)) {
            director.ok(service.equals(persistent) ? new String[] {"-A", "-t", service, "-s", "rr", "-p", "120"}
                    : new String[] {"-A", "-t", service, "-s", "rr"});
            director.ok("-a", "-t", service, "-r", Namespaces.RS1, "-g");
            director.ok("-a", "-t", service, "-r", Namespaces.RS2, "-g");
        }

        try (ScriptClient client = ScriptClient.start(net, "c", CLIENT, this::logs, Namespaces.VIP)) {
            String first = client.awaitLine("flow ");
            String flowServer = first.substring("flow ".length());
            assertTrue(flowServer.equals("RS1") || flowServer.equals("RS2"), client.seen() + "\n" + director.log());
            String persistentServer = net.curl("/");
            assertTrue(persistentServer.equals("RS1") || persistentServer.equals("RS2"), persistentServer);
            // From now on a new schedule picks the other server: only the handed-over flow and template keep these.
            director.ok("-e", "-t", flowService, "-r", address(flowServer), "-g", "-w", "0");
            director.ok("-e", "-t", persistent, "-r", address(persistentServer), "-g", "-w", "0");
            for (int i = 0; i < 5; i++) client.awaitLine("flow ");
            long retransmittedBefore = net.tcpRetransmissions("c");
            int exchangedBefore = client.count("flow "); // every answer so far (all are checked at the end)

            successor = director.launchTakeover(net.exec("d"), dir.resolve("successor.log"));
            successor.awaitLog("took over from pid " + director.pid());
            assertEquals(0, director.awaitExit(), () -> "the old director exits cleanly:\n" + logOf(director));
            String oldLog = director.log();
            director = null;
            int exchangedAtExit = client.count("flow ");
            for (int i = 0; i < 20; i++) client.awaitLine("flow ");

            String connections = successor.ok("-Lnc");
            assertEquals(persistentServer, net.curl("/"), "the persistent client keeps its real server:\n"
                    + connections + successor.log());
            client.stop();

            List<String> flow = client.seen().stream().filter(l -> l.startsWith("flow")).toList();
            System.out.printf("TakeoverDirectRoutingIT: the long flow exchanged %d lines (%d before the takeover"
                    + " started, %d while both directors ran, %d after the old one exited), %d TCP segments"
                    + " retransmitted by the client; %s%n", flow.size(), exchangedBefore,
                    exchangedAtExit - exchangedBefore, flow.size() - exchangedAtExit,
                    net.tcpRetransmissions("c") - retransmittedBefore,
                    successor.log().lines().filter(l -> l.contains("installed ")).findFirst().orElse("?"));
            assertEquals(List.of("flow " + flowServer), flow.stream().distinct().toList(),
                    "the flow stays on its real server, never reset:\n" + oldLog + successor.log());
            assertTrue(connections.matches("(?s).*TCP .*ESTABLISHED +" + ("10." + Namespaces.NET + ".0.10").replace(".", "\\.")
                    + ":\\d+ +" + flowService.replace(".", "\\.") + " +" + address(flowServer).replace(".", "\\.")
                    + ":7000.*"), "the successor lists the inherited flow:\n" + connections);
            assertTrue(oldLog.contains("handed "), oldLog);
        }
    }

    private static String address(String server) {
        return server.equals("RS1") ? Namespaces.RS1 : Namespaces.RS2;
    }

    private String logs() {
        return (director == null ? "" : logOf(director)) + (successor == null ? "" : logOf(successor));
    }

    private static String logOf(DirectorProcess director) {
        try {
            return director.log();
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

}

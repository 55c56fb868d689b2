package dev.jvs.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jvs-director --takeover}: a new director takes the running one's listening sockets, locks and rule table
 * over its control socket while clients keep connecting, and not one connection fails.
 */
class TakeoverIT {

    private static final int CLIENTS = 3;

    @TempDir
    Path dir;

    @Test
    void aTakeoverUnderLoadRefusesNoClientAndKeepsTheTable() throws Exception {
        Path state = dir.resolve("jvs.state");
        try (Backends backends = new Backends("A", "B");
             DirectorProcess old = DirectorProcess.start(dir, "--state", state.toString(), "--drain-timeout", "10")) {
            String vip = "127.0.0.1:" + Ports.free();
            old.ok("-A", "-t", vip, "-s", "rr");
            old.ok("-a", "-t", vip, "-r", backends.address(0), "-m", "-w", "2");
            old.ok("-a", "-t", vip, "-r", backends.address(1), "-m", "-x", "500", "-y", "10");
            String other = "127.0.0.1:" + Ports.free();
            old.ok("-A", "-t", other, "-s", "wlc", "-p", "120");
            old.ok("-a", "-t", other, "-r", backends.address(1), "-m", "-w", "3");
            old.ok("--set", "100", "20", "30");
            String table = withoutCounters(old.ok("-L", "-n"));
            String saved = old.ok("-S", "-n");
            String timeouts = old.ok("-L", "--timeout");

            AtomicBoolean running = new AtomicBoolean(true);
            AtomicInteger served = new AtomicInteger();
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            List<Thread> clients = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                Thread t = new Thread(() -> {
                    while (running.get()) {
                        try {
                            String answer = get(vip);
                            if (answer.equals("A") || answer.equals("B")) served.incrementAndGet();
                            else failures.add("unexpected answer: " + answer);
                        } catch (IOException e) {
                            failures.add(e.toString());
                        }
                    }
                }, "client-" + i);
                t.start();
                clients.add(t);
            }
            try {
                awaitServed(served, 100);
                try (DirectorProcess successor = old.launchTakeover(dir.resolve("successor.log"), "--state", state.toString())) {
                    successor.awaitLog("took over from pid " + old.pid());
                    assertEquals(0, old.awaitExit(), () -> "the old director exits cleanly:\n" + logOf(old));
                    int beforeExit = served.get();
                    awaitServed(served, beforeExit + 100); // the successor alone serves from here on
                    running.set(false);
                    for (Thread t : clients) t.join(10_000);
                    assertEquals(List.of(), List.copyOf(failures), "no client connection failed");

                    // The same table; the connection counters are each director's own (the new one counts its own).
                    assertEquals(table, withoutCounters(successor.ok("-L", "-n")), "the successor lists the same table");
                    assertEquals(saved, successor.ok("-S", "-n"));
                    assertEquals(timeouts, successor.ok("-L", "--timeout"));
                    assertTrue(successor.log().contains("jvs-director ready"), successor.log());

                    // The locks went to the successor: a third director on the socket or the state file is refused.
                    DirectorProcess third = DirectorProcess.launch(dir, List.of()); // same socket (the old log file)
                    assertEquals(1, third.awaitExit());
                    assertTrue(third.log().contains("already uses the control socket"), third.log());
                    Path elsewhere = java.nio.file.Files.createDirectory(dir.resolve("third"));
                    DirectorProcess fourth = DirectorProcess.launch(elsewhere, List.of(), "--state", state.toString());
                    assertEquals(1, fourth.awaitExit());
                    assertTrue(fourth.log().contains("already uses the state file"), fourth.log());
                    successor.ok("-E", "-t", vip, "-s", "wrr"); // still the one that serves the socket and writes the state
                    assertTrue(java.nio.file.Files.readString(state).contains("-s wrr"), "the successor writes the state file");
                    assertEquals(0, successor.stop());
                }
            } finally {
                running.set(false);
                for (Thread t : clients) t.join(10_000);
            }
        }
    }

    @Test
    void aSuccessorThatFailsToStartLeavesTheOldDirectorInCharge() throws Exception {
        try (DirectorProcess old = DirectorProcess.start(dir)) {
            String vip = "127.0.0.1:" + Ports.free();
            old.ok("-A", "-t", vip, "-s", "rr");
            // It receives the hand-over, then stops at its configuration file.
            DirectorProcess successor = old.launchTakeover(dir.resolve("successor.log"),
                    "--keepalived-conf", dir.resolve("missing.conf").toString());
            assertEquals(1, successor.awaitExit(), () -> logOf(successor));
            assertTrue(successor.log().contains("missing.conf"), successor.log());
            old.awaitLog("exited before taking over: serving again");
            old.ok("-E", "-t", vip, "-s", "wlc");
            assertTrue(old.ok("-L", "-n").contains(vip + " wlc"), "the old director takes changes again");
            assertEquals(0, old.stop());
            assertTrue(!java.nio.file.Files.exists(old.socket()), "and removes its socket when it stops");
        }
    }

    /** {@code ipvsadm -Ln} without the ActiveConn and InActConn columns. */
    private static String withoutCounters(String listing) {
        return listing.replaceAll("(?m)^(  -> .*?)\\s+\\d+\\s+\\d+\\s*$", "$1");
    }

    private static String logOf(DirectorProcess director) {
        try {
            return director.log();
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static void awaitServed(AtomicInteger served, int count) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (served.get() < count) {
            if (System.nanoTime() > deadline) throw new AssertionError("only " + served.get() + " of " + count + " requests served");
            Thread.sleep(10);
        }
    }

    /** One HTTP/1.0 request with {@code Connection: close} on a new connection; the body names the real server. */
    private static String get(String vip) throws IOException {
        String[] hostPort = vip.split(":");
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getByName(hostPort[0]), Integer.parseInt(hostPort[1])), 5_000);
            s.setSoTimeout(5_000);
            OutputStream out = s.getOutputStream();
            out.write("GET / HTTP/1.0\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            if (!response.startsWith("HTTP/1.1 200")) return response.isEmpty() ? "(empty response)" : response;
            return response.substring(response.indexOf("\r\n\r\n") + 4);
        }
    }
}

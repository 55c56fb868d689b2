package dev.jvs.e2e;

import dev.jvs.cli.InProcessCli;
import dev.jvs.control.ControlReply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Restoring the identical table while clients connect through a NAT service: every restore is one batch published
 * once, so no client ever finds the service missing, and the real servers, revived from the trash, keep their
 * counters.
 */
class RestoreHammerIT {

    /** Restores of each kind: {@code ipvsadm-restore} (clear first) and {@code ipvsadm -R} of a file that starts with {@code -C}. */
    static final int RESTORES_PER_KIND = 100;
    static final int CLIENTS = 2;

    @TempDir
    Path dir;

    @Test
    void identicalRestoresRefuseNoClientAndKeepTheRealServersCounters() throws Exception {
        try (EchoServer one = new EchoServer(); EchoServer two = new EchoServer();
             DirectorProcess director = DirectorProcess.start(dir)) {
            String vip = "127.0.0.1:" + Ports.free();
            director.ipvsadmWithInput("-A -t " + vip + " -s rr\n-a -t " + vip + " -r 127.0.0.1:" + one.port()
                    + " -m\n-a -t " + vip + " -r 127.0.0.1:" + two.port() + " -m\n", "-R");
            String saved = director.ok("-S", "-n");

            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong served = new AtomicLong();
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            List<Thread> clients = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                Thread t = new Thread(() -> {
                    while (!stop.get()) {
                        try {
                            roundTrip(vip);
                            served.incrementAndGet();
                        } catch (IOException e) {
                            failures.add(e.toString());
                        }
                    }
                }, "client-" + i);
                t.start();
                clients.add(t);
            }
            awaitServed(served, 20);
            long before = served.get();
            long started = System.nanoTime();
            // The real tools, a few times each, then the same requests from this JVM (a JVM start per restore
            // would take minutes): the CLI's own request code, the same bytes on the socket.
            DirectorProcess.Result r = director.run(saved, "bin/ipvsadm-restore");
            assertEquals(0, r.status(), r.err());
            r = director.ipvsadmWithInput("-C\n" + saved, "-R");
            assertEquals(0, r.status(), r.err());
            for (int i = 0; i < RESTORES_PER_KIND; i++) {
                // at least one connection between two restore pairs: traffic overlaps every restore, however
                // slow the machine is
                awaitServed(served, served.get() + 1);
                ControlReply clearFirst = InProcessCli.restore(director.socket(), saved, true);
                assertEquals(0, clearFirst.status(), clearFirst.stderr());
                ControlReply withC = InProcessCli.restore(director.socket(), "-C\n" + saved, false);
                assertEquals(0, withC.status(), withC.stderr());
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            long during = served.get() - before;
            stop.set(true);
            for (Thread t : clients) t.join(10_000);

            System.out.printf("RestoreHammerIT: %d restores in %.1f s; %d connections served meanwhile, %d failed%n",
                    2 * RESTORES_PER_KIND + 2, seconds, during, failures.size());
            assertEquals(List.of(), List.copyOf(failures), "no client refused, reset or failed");
            assertTrue(during >= RESTORES_PER_KIND, "clients kept connecting during the restores: " + during);
            assertEquals(saved, director.ok("-S", "-n"), "the table is the one restored");
            // Every connection since the start was counted by a real server that was deleted and re-added 202
            // times: revived from the trash, their counters never restarted.
            String stats = director.ok("-L", "-n", "--stats", "--exact");
            long conns = conns(stats, "127.0.0.1:" + one.port()) + conns(stats, "127.0.0.1:" + two.port());
            assertEquals(served.get(), conns, stats);
            assertEquals(0, director.stop());
        }
    }

    /** One connection through the VIP: a byte out, the same byte back, closed. */
    private static void roundTrip(String vip) throws IOException {
        int colon = vip.lastIndexOf(':');
        try (Socket s = new Socket()) {
            s.setSoTimeout(5_000);
            s.connect(new InetSocketAddress(vip.substring(0, colon), Integer.parseInt(vip.substring(colon + 1))), 5_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write('x');
            out.flush();
            int echoed = in.read();
            if (echoed != 'x') throw new IOException("no echo (read " + echoed + ")");
        }
    }

    private static void awaitServed(AtomicLong served, long n) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (served.get() < n) {
            if (System.nanoTime() > deadline) throw new AssertionError("clients got no service for 20 s");
            Thread.sleep(10);
        }
    }

    private static long conns(String listing, String server) {
        String row = listing.lines().filter(l -> l.startsWith("  -> " + server)).findFirst()
                .orElseThrow(() -> new AssertionError("no row " + server + " in\n" + listing));
        return Long.parseLong(row.trim().split(" +")[2]);
    }
}

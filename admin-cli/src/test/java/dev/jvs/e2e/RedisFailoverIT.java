package dev.jvs.e2e;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The Redis failover drill of {@code examples/redis-vip/}, with its shipped config and check scripts and three
 * real redis-server processes on loopback. A replica is promoted (REPLICAOF NO ONE) and the old master made its
 * replica. Two directors watch the same servers, to show what becomes of a client connection held to the old
 * master: the example as shipped, run with {@code --expire-nodest-conn}, cuts it; with {@code inhibit_on_failure}
 * the old master is only set to weight 0, never deleted, so the same flag leaves it open. (Without the flag it
 * drains: {@link MysqlFailoverIT} shows that.)
 */
class RedisFailoverIT {

    private static final String PASSWORD = "drill-pw";
    private static final List<String> SERVERS = List.of("127.0.17.11", "127.0.17.12", "127.0.17.13");
    private static final int DELAY_LOOP = 1;
    private static final int MISC_TIMEOUT = 3; // as the example sets it

    private Path dir;
    private final List<Process> redis = new ArrayList<>();
    private final List<DirectorProcess> directors = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        try {
            for (DirectorProcess d : directors) d.close();
        } finally {
            for (Process p : redis) p.destroy();
            for (Process p : redis) {
                if (!p.waitFor(20, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            DatabaseLab.delete(dir);
        }
    }

    /** A Redis connection speaking RESP: one command, one reply; an error reply is thrown. */
    static final class RedisConnection implements AutoCloseable {
        private final Socket socket = new Socket();
        private final OutputStream out;
        private final InputStream in;

        RedisConnection(String host, int port) throws IOException {
            socket.connect(new InetSocketAddress(host, port), 1000);
            socket.setSoTimeout(5000);
            out = socket.getOutputStream();
            in = new BufferedInputStream(socket.getInputStream());
            call("AUTH", PASSWORD);
        }

        /** The reply: a status, bulk string or integer as text; an array as its elements, one a line. */
        String call(String... args) throws IOException {
            StringBuilder request = new StringBuilder("*").append(args.length).append("\r\n");
            for (String a : args) request.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(a).append("\r\n");
            out.write(request.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            return reply();
        }

        private String reply() throws IOException {
            String line = line();
            switch (line.charAt(0)) {
                case '+', ':' -> { return line.substring(1); }
                case '-' -> throw new IOException("redis error: " + line.substring(1));
                case '$' -> {
                    int length = Integer.parseInt(line.substring(1));
                    if (length < 0) return null;
                    byte[] data = in.readNBytes(length + 2);
                    return new String(data, 0, length, StandardCharsets.UTF_8);
                }
                case '*' -> {
                    List<String> items = new ArrayList<>();
                    for (int i = Integer.parseInt(line.substring(1)); i > 0; i--) items.add(reply());
                    return String.join("\n", items);
                }
                default -> throw new IOException("unexpected reply " + line);
            }
        }

        private String line() throws IOException {
            StringBuilder s = new StringBuilder();
            for (int c; (c = in.read()) != '\n'; ) {
                if (c < 0) throw new IOException("connection closed");
                if (c != '\r') s.append((char) c);
            }
            return s.toString();
        }

        /** The server's own address of this connection (CLIENT INFO's laddr): which real server we reached. */
        String server() throws IOException {
            for (String field : call("CLIENT", "INFO").split(" ")) {
                if (field.startsWith("laddr=")) return field.substring("laddr=".length());
            }
            throw new IOException("no laddr in CLIENT INFO");
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** One write of the client: its number, when it started and ended, and the server that acknowledged it. */
    record Write(int seq, long startNanos, long endNanos, String server, String error) {
        boolean acknowledged() {
            return error == null;
        }
    }

    /** A director over the servers with its own pair of VIPs. */
    record Drill(DirectorProcess director, String masterVip, String readerVip) {}

    private Drill director(String name, String masterVip, String readerVip, int port, Path checks, Path auth,
                           boolean inhibit, String... flags) throws Exception {
        Path conf = DatabaseLab.config("redis-vip", dir, Map.of(
                "MASTER_VIP", masterVip, "READER_VIP", readerVip, "REDIS_PORT", Integer.toString(port),
                "R1", SERVERS.get(0), "R2", SERVERS.get(1), "R3", SERVERS.get(2),
                "CHECKS", checks.toString(), "SCRIPT_USER", DatabaseLab.SCRIPT_USER,
                // the inhibit director is not timed: a slower delay_loop halves the check processes it adds
                "DELAY_LOOP", Integer.toString(inhibit ? 2 * DELAY_LOOP : DELAY_LOOP)));
        if (inhibit) {
            String text = Files.readString(conf);
            assertTrue(text.contains("lb_algo fo\n"), text);
            conf = Files.writeString(conf, text.replaceFirst("lb_algo fo\n", "lb_algo fo\n    inhibit_on_failure\n"));
        }
        Path directorDir = Files.createDirectory(dir.resolve(name));
        List<String> args = new ArrayList<>(List.of("--keepalived-conf", conf.toString()));
        args.addAll(List.of(flags));
        DirectorProcess director = DirectorProcess.startWith(directorDir, List.of("env", "REDIS_CHECK_AUTH=" + auth),
                args.toArray(String[]::new));
        directors.add(director);
        return new Drill(director, masterVip, readerVip);
    }

    private static Set<String> endpoints(int port, int... servers) {
        Set<String> set = new java.util.TreeSet<>();
        for (int s : servers) set.add(SERVERS.get(s - 1) + ":" + port);
        return set;
    }

    @Test
    void promotingAReplicaMovesTheMasterVipAndOldConnectionsAreCutDrainedOrKept() throws Exception {
        DatabaseLab.assumeRootAnd("RedisFailoverIT", "redis-server", "redis-cli", "timeout", "setpriv");
        long t0 = System.nanoTime();
        dir = DatabaseLab.scratch("jvs-redis-drill");
        List<String> vips = List.of("127.0.17.10", "127.0.17.20", "127.0.17.30", "127.0.17.40");
        List<String> addresses = new ArrayList<>(SERVERS);
        addresses.addAll(vips);
        int port = DatabaseLab.freePort(addresses);
        for (int i = 1; i <= 3; i++) {
            List<String> command = new ArrayList<>(List.of("redis-server", "--bind", SERVERS.get(i - 1), "--port", Integer.toString(port),
                    "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--dbfilename", "r" + i + ".rdb",
                    "--requirepass", PASSWORD, "--masterauth", PASSWORD, "--repl-diskless-sync-delay", "0",
                    "--daemonize", "no", "--logfile", dir.resolve("redis" + i + ".log").toString()));
            if (i > 1) command.addAll(List.of("--replicaof", SERVERS.get(0), Integer.toString(port)));
            redis.add(new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
        }
        Path checks = DatabaseLab.installChecks("redis-vip", dir, "redis-check-master", "redis-check-replica");
        Path auth = DatabaseLab.secretFile(dir, "redis-check.auth", PASSWORD + "\n");

        Drill recommended = director("recommended", vips.get(0), vips.get(1), port, checks, auth, false, "--expire-nodest-conn");
        Drill inhibited = director("inhibit", vips.get(2), vips.get(3), port, checks, auth, true, "--expire-nodest-conn");
        DatabaseLab.awaitTable(recommended.director(), "master VIP on 1, reader VIP on 2 and 3", Duration.ofSeconds(20),
                t -> t.get(recommended.masterVip() + ":" + port).equals(endpoints(port, 1))
                        && t.get(recommended.readerVip() + ":" + port).equals(endpoints(port, 2, 3)));
        DatabaseLab.awaitListing(inhibited.director(), "inhibit: server 1 at weight 1, 2 and 3 at 0", Duration.ofSeconds(20),
                l -> weighted(l, inhibited.masterVip(), port, 1, 1) && weighted(l, inhibited.masterVip(), port, 2, 0) && weighted(l, inhibited.masterVip(), port, 3, 0));
        long ready = System.nanoTime();

        // A director's first proxied connection warms up its proxy path, slow on a loaded machine: wait until each
        // master VIP answers before anything is timed or held.
        for (Drill d : List.of(recommended, inhibited)) awaitAnswer(d.masterVip(), port);

        // A connection held through the switch on each director's master VIP; all reach server 1.
        Map<Drill, RedisConnection> held = new java.util.LinkedHashMap<>();
        for (Drill d : List.of(recommended, inhibited)) {
            RedisConnection c = new RedisConnection(d.masterVip(), port);
            assertEquals(SERVERS.get(0) + ":" + port, c.server());
            held.put(d, c);
        }

        // The client: one write every 50 ms through the recommended master VIP, reconnecting after an error.
        List<Write> writes = new CopyOnWriteArrayList<>();
        AtomicBoolean running = new AtomicBoolean(true);
        Thread client = new Thread(() -> {
            RedisConnection c = null;
            String server = null;
            for (int seq = 1; running.get(); seq++) {
                long start = System.nanoTime();
                try {
                    if (c == null) {
                        c = new RedisConnection(recommended.masterVip(), port);
                        server = c.server();
                    }
                    c.call("SET", "write:" + seq, server);
                    writes.add(new Write(seq, start, System.nanoTime(), server, null));
                } catch (IOException e) {
                    writes.add(new Write(seq, start, System.nanoTime(), server, e.getMessage()));
                    closeQuietly(c);
                    c = null;
                }
                long left = start + TimeUnit.MILLISECONDS.toNanos(50) - System.nanoTime();
                if (left > 0) LockSupport.parkNanos(left);
            }
            closeQuietly(c);
        }, "redis-writer");
        client.start();
        awaitAcknowledged(writes, 10);

        // The switch: server 2 becomes master, 1 and 3 its replicas.
        String removed = DatabaseLab.transition("Removing", SERVERS.get(0) + ":" + port, recommended.masterVip(), port);
        int removedBefore = DatabaseLab.logCount(recommended.director(), removed);
        try (RedisConnection r2 = new RedisConnection(SERVERS.get(1), port);
             RedisConnection r1 = new RedisConnection(SERVERS.get(0), port);
             RedisConnection r3 = new RedisConnection(SERVERS.get(2), port)) {
            r2.call("REPLICAOF", "NO", "ONE");
            long promoted = System.nanoTime();
            r1.call("REPLICAOF", SERVERS.get(1), Integer.toString(port));
            r3.call("REPLICAOF", SERVERS.get(1), Integer.toString(port));
            long demoted = System.nanoTime();

            DatabaseLab.awaitLog(recommended.director(), removed, removedBefore, Duration.ofSeconds(10));
            DatabaseLab.awaitTable(recommended.director(), "master VIP on 2, reader VIP on 1 and 3", Duration.ofSeconds(20),
                    t -> t.get(recommended.masterVip() + ":" + port).equals(endpoints(port, 2))
                            && t.get(recommended.readerVip() + ":" + port).equals(endpoints(port, 1, 3)));
            DatabaseLab.awaitListing(inhibited.director(), "inhibit: server 1 at weight 0, server 2 at 1", Duration.ofSeconds(20),
                    l -> weighted(l, inhibited.masterVip(), port, 1, 0) && weighted(l, inhibited.masterVip(), port, 2, 1) && weighted(l, inhibited.masterVip(), port, 3, 0));
            awaitAcknowledged(writes, acknowledged(writes) + 20);
            running.set(false);
            client.join(10_000);

            // --expire-nodest-conn cuts a connection whose server was deleted, at the next sweep (every second).
            RedisConnection cut = held.get(recommended);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            boolean wasCut = false;
            while (!wasCut && System.nanoTime() < deadline) {
                try {
                    cut.call("PING");
                    Thread.sleep(100);
                } catch (IOException e) {
                    wasCut = true;
                }
            }
            assertTrue(wasCut, "--expire-nodest-conn: the held connection to the old master was not cut");
            // With inhibit_on_failure the server was never deleted, only set to weight 0: the same flag leaves its
            // connection open, through the sweeps that cut the first one. It still reaches server 1, now a replica.
            {
                RedisConnection c = held.get(inhibited);
                assertEquals(SERVERS.get(0) + ":" + port, c.server());
                assertTrue(c.call("ROLE").startsWith("slave"), "the held connection still reaches the old master");
                try {
                    c.call("SET", "late", "x");
                    fail("the old master accepted a write after its demotion");
                } catch (IOException e) {
                    assertTrue(e.getMessage().contains("READONLY"), e.getMessage());
                }
            }

            // The writes: every acknowledged one is on the new master; after the switch all land there.
            Write firstFailure = null;
            Write firstSuccessAfter = null;
            for (Write w : writes) {
                if (!w.acknowledged() && firstFailure == null) firstFailure = w;
                if (w.acknowledged() && firstFailure != null && firstSuccessAfter == null) firstSuccessAfter = w;
                if (firstSuccessAfter != null) {
                    assertTrue(w.acknowledged(), "write " + w.seq() + " failed after the switch: " + w.error());
                    assertEquals(SERVERS.get(1) + ":" + port, w.server(), "write " + w.seq() + " after the switch");
                }
                if (w.acknowledged() && w.server().startsWith(SERVERS.get(0) + ":")) {
                    assertTrue(w.startNanos() < demoted, "write " + w.seq() + " acknowledged by server 1 after its demotion");
                }
            }
            assertTrue(firstFailure != null, "the client saw no error: the drill did not switch");
            assertTrue(firstSuccessAfter != null, "no write succeeded after the switch");
            for (Write w : writes) {
                if (w.acknowledged() && w.startNanos() > promoted) {
                    assertEquals(w.server(), r2.call("GET", "write:" + w.seq()), "write " + w.seq() + " on the new master");
                }
            }
            long follow = DatabaseLab.millis(promoted, firstSuccessAfter.endNanos());
            long bound = TimeUnit.SECONDS.toMillis(DELAY_LOOP * (0 + 1) + MISC_TIMEOUT);
            assertTrue(follow <= bound, "the master VIP followed " + follow + " ms after the promotion; allowed " + bound + " ms");
            System.out.printf("RedisFailoverIT: two directors ready in %d ms; write outage %d ms (first failed write ->"
                            + " first acknowledged, %d failed of %d), master VIP followed %d ms after REPLICAOF NO ONE;"
                            + " held connection cut with --expire-nodest-conn, kept with inhibit_on_failure; total %d ms%n",
                    DatabaseLab.millis(t0, ready), DatabaseLab.millis(firstFailure.startNanos(), firstSuccessAfter.endNanos()),
                    writes.stream().filter(w -> !w.acknowledged()).count(), writes.size(), follow,
                    DatabaseLab.millis(t0, System.nanoTime()));
        } finally {
            for (RedisConnection c : held.values()) closeQuietly(c);
        }
    }

    /** Whether the listing's virtual service {@code vip:port} has server {@code s} at this weight. */
    private static boolean weighted(String listing, String vip, int port, int s, int weight) {
        for (String service : listing.split("\n(?=TCP|UDP)")) {
            if (service.startsWith("TCP  " + vip + ":" + port + " ")) {
                return service.matches("(?s).*-> " + SERVERS.get(s - 1).replace(".", "\\.") + ":" + port + " +Masq +" + weight + " .*");
            }
        }
        return false;
    }

    /** Polls until a new connection through {@code vip} answers PING, at most 30 s. */
    private static void awaitAnswer(String vip, int port) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        IOException last = null;
        while (System.nanoTime() < deadline) {
            try (RedisConnection c = new RedisConnection(vip, port)) {
                assertEquals("PONG", c.call("PING"));
                return;
            } catch (IOException e) {
                last = e;
                Thread.sleep(100);
            }
        }
        fail("no answer through " + vip + ":" + port + " within 30 s: " + last);
    }

    private static int acknowledged(List<Write> writes) {
        return (int) writes.stream().filter(Write::acknowledged).count();
    }

    private static void awaitAcknowledged(List<Write> writes, int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (acknowledged(writes) < count) {
            if (System.nanoTime() > deadline) fail("only " + acknowledged(writes) + " of " + count + " writes acknowledged: " + writes);
            Thread.sleep(20);
        }
    }

    private static void closeQuietly(RedisConnection c) {
        if (c == null) return;
        try {
            c.close();
        } catch (IOException ignored) {
            // already broken
        }
    }
}

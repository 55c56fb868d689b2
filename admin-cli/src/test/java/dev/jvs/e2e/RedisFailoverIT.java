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
 * replica. The director runs with {@code --expire-nodest-conn}, and the reader VIP has {@code inhibit_on_failure}
 * (as the README suggests for long read sessions), to show what becomes of held connections: the one to the old
 * master through the master VIP is cut (its server was deleted); the one to the promoted replica through the
 * reader VIP stays open (its server was only set to weight 0). (Without the flag connections drain:
 * {@link MysqlFailoverIT} shows that.)
 */
class RedisFailoverIT {

    private static final String PASSWORD = "drill-pw";
    private static final List<String> SERVERS = List.of("127.0.17.11", "127.0.17.12", "127.0.17.13");
    private static final int DELAY_LOOP = 1;
    private static final int MISC_TIMEOUT = 3; // as the example sets it

    private Path dir;
    private final List<Process> redis = new ArrayList<>();
    private final List<DirectorProcess> directors = new ArrayList<>();
    /** The client runs while this is set; cleared at the end of the drill or when it fails. */
    private final AtomicBoolean running = new AtomicBoolean(true);

    @AfterEach
    void cleanUp() throws Exception {
        running.set(false);
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

    /** The example's config with {@code inhibit_on_failure} added to the reader VIP, run with --expire-nodest-conn. */
    private DirectorProcess director(String masterVip, String readerVip, int port, Path checks, Path auth) throws Exception {
        Path conf = DatabaseLab.config("redis-vip", dir, Map.of(
                "MASTER_VIP", masterVip, "READER_VIP", readerVip, "REDIS_PORT", Integer.toString(port),
                "R1", SERVERS.get(0), "R2", SERVERS.get(1), "R3", SERVERS.get(2),
                "CHECKS", checks.toString(), "SCRIPT_USER", DatabaseLab.SCRIPT_USER, "DELAY_LOOP", Integer.toString(DELAY_LOOP)));
        String text = Files.readString(conf);
        assertTrue(text.contains("lb_algo wrr\n"), text);
        conf = Files.writeString(conf, text.replaceFirst("lb_algo wrr\n", "lb_algo wrr\n    inhibit_on_failure\n"));
        Path directorDir = Files.createDirectory(dir.resolve("director"));
        DirectorProcess director = DirectorProcess.startWith(directorDir, List.of("env", "REDIS_CHECK_AUTH=" + auth),
                "--keepalived-conf", conf.toString(), "--expire-nodest-conn");
        directors.add(director);
        return director;
    }

    private static Set<String> endpoints(int port, int... servers) {
        Set<String> set = new java.util.TreeSet<>();
        for (int s : servers) set.add(SERVERS.get(s - 1) + ":" + port);
        return set;
    }

    @Test
    void promotingAReplicaMovesTheMasterVipAndCutsOldMasterConnections() throws Exception {
        DatabaseLab.assumeRootAnd("RedisFailoverIT", "redis-server", "redis-cli", "timeout", "setpriv");
        long t0 = System.nanoTime();
        dir = DatabaseLab.scratch("jvs-redis-drill");
        String masterVip = "127.0.17.10";
        String readerVip = "127.0.17.20";
        List<String> vips = List.of(masterVip, readerVip);
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

        DirectorProcess director = director(masterVip, readerVip, port, checks, auth);
        String master = masterVip + ":" + port;
        DatabaseLab.awaitListing(director, "master VIP on 1; reader VIP: 2 and 3 at weight 1, 1 at 0", Duration.ofSeconds(20),
                l -> DatabaseLab.table(l).get(master).equals(endpoints(port, 1))
                        && weighted(l, readerVip, port, 1, 0) && weighted(l, readerVip, port, 2, 1) && weighted(l, readerVip, port, 3, 1));
        long ready = System.nanoTime();

        // A director's first proxied connection warms up its proxy path, slow on a loaded machine: wait until each
        // VIP answers before anything is timed or held.
        awaitAnswer(masterVip, port);
        awaitAnswer(readerVip, port);

        // Held through the switch: one connection to server 1 through the master VIP, one to server 2 through the
        // reader VIP (wrr alternates between 2 and 3: at most a few tries).
        RedisConnection heldMaster = new RedisConnection(masterVip, port);
        List<RedisConnection> opened = new ArrayList<>(List.of(heldMaster));
        RedisConnection heldReader = null;
        try {
            assertEquals(SERVERS.get(0) + ":" + port, heldMaster.server());
            for (int i = 0; i < 6 && heldReader == null; i++) {
                RedisConnection c = new RedisConnection(readerVip, port);
                opened.add(c);
                if (c.server().equals(SERVERS.get(1) + ":" + port)) heldReader = c;
            }
            assertTrue(heldReader != null, "no connection through the reader VIP reached server 2");
            drill(director, masterVip, readerVip, port, heldMaster, heldReader, t0, ready);
        } finally {
            for (RedisConnection c : opened) closeQuietly(c);
        }
    }

    private void drill(DirectorProcess director, String masterVip, String readerVip, int port, RedisConnection heldMaster,
                       RedisConnection heldReader, long t0, long ready) throws Exception {
        // The client: one write every 50 ms through the master VIP, reconnecting after an error.
        List<Write> writes = new CopyOnWriteArrayList<>();
        Thread client = new Thread(() -> {
            RedisConnection c = null;
            String server = null;
            for (int seq = 1; running.get(); seq++) {
                long start = System.nanoTime();
                try {
                    if (c == null) {
                        c = new RedisConnection(masterVip, port);
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
        String removed = DatabaseLab.transition("Removing", SERVERS.get(0) + ":" + port, masterVip, port);
        int removedBefore = DatabaseLab.logCount(director, removed);
        try (RedisConnection r2 = new RedisConnection(SERVERS.get(1), port);
             RedisConnection r1 = new RedisConnection(SERVERS.get(0), port);
             RedisConnection r3 = new RedisConnection(SERVERS.get(2), port)) {
            r2.call("REPLICAOF", "NO", "ONE");
            long promoted = System.nanoTime();
            r1.call("REPLICAOF", SERVERS.get(1), Integer.toString(port));
            r3.call("REPLICAOF", SERVERS.get(1), Integer.toString(port));
            long demoted = System.nanoTime();

            DatabaseLab.awaitLog(director, removed, removedBefore, Duration.ofSeconds(10));
            DatabaseLab.awaitListing(director, "master VIP on 2; reader VIP: 1 and 3 at weight 1, 2 at 0", Duration.ofSeconds(20),
                    l -> DatabaseLab.table(l).get(masterVip + ":" + port).equals(endpoints(port, 2))
                            && weighted(l, readerVip, port, 1, 1) && weighted(l, readerVip, port, 2, 0) && weighted(l, readerVip, port, 3, 1));
            awaitAcknowledged(writes, acknowledged(writes) + 20);
            running.set(false);
            client.join(10_000);

            // --expire-nodest-conn cuts a connection whose server was deleted, at the next sweep (every second).
            RedisConnection cut = heldMaster;
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
            // In the reader VIP, server 2 was never deleted, only set to weight 0 (inhibit_on_failure): the same flag
            // leaves its connection open, through the sweeps that cut the first one.
            assertEquals(SERVERS.get(1) + ":" + port, heldReader.server());
            assertTrue(heldReader.call("ROLE").startsWith("master"), "the held reader connection reaches the new master");

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
            System.out.printf("RedisFailoverIT: director ready in %d ms; write outage %d ms (first failed write ->"
                            + " first acknowledged, %d failed of %d), master VIP followed %d ms after REPLICAOF NO ONE;"
                            + " with --expire-nodest-conn the held master connection was cut, the reader one (inhibit_on_failure,"
                            + " weight 0) kept; total %d ms%n",
                    DatabaseLab.millis(t0, ready), DatabaseLab.millis(firstFailure.startNanos(), firstSuccessAfter.endNanos()),
                    writes.stream().filter(w -> !w.acknowledged()).count(), writes.size(), follow,
                    DatabaseLab.millis(t0, System.nanoTime()));
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

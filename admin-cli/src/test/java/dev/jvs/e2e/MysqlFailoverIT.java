package dev.jvs.e2e;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The MySQL failover drill of {@code examples/mysql-vip/}, with its shipped config and check scripts and three
 * real MariaDB servers on loopback (one primary, two GTID replicas): a replica whose SQL thread stops leaves the
 * reader VIP and comes back; an MHA-style promotion moves the writer VIP, and a client writing a row every 50 ms
 * loses no acknowledged write and never has one accepted by a read-only server. The director runs without
 * {@code --expire-nodest-conn}: a connection held to the old primary drains (stays open, on a server that now
 * refuses writes); {@link RedisFailoverIT} shows the flag cutting such connections instead.
 */
class MysqlFailoverIT {

    private static final String WRITER_VIP = "127.0.16.10";
    private static final String READER_VIP = "127.0.16.20";
    private static final List<String> DATABASES = List.of("127.0.16.11", "127.0.16.12", "127.0.16.13");
    private static final int DELAY_LOOP = 1;
    private static final int MISC_TIMEOUT = 3; // as the example sets it
    private static final int MAX_LAG = 2; // seconds; the script's default is 30
    private static final String APP_PASSWORD = "app-pw";

    private Path dir;
    private MariaDbServers db;
    private DirectorProcess director;
    /** The clients run while this is set; cleared at the end of the drill or when it fails. */
    private final AtomicBoolean running = new AtomicBoolean(true);

    @AfterEach
    void cleanUp() throws Exception {
        running.set(false);
        try {
            if (director != null) director.close();
        } finally {
            try {
                if (db != null) db.close();
            } finally {
                DatabaseLab.delete(dir);
            }
        }
    }

    /** One attempt of the writing client: its sequence number, when it started and ended, and how it ended. */
    record Write(int seq, long startNanos, long endNanos, boolean acknowledged, String error) {}

    /** One read through the reader VIP: when it started and which server answered (0 = it failed). */
    record Read(long startNanos, long endNanos, int serverId) {}

    private Connection connect(String vip) throws SQLException {
        return DriverManager.getConnection("jdbc:mariadb://" + vip + ":" + db.port + "/drill?connectTimeout=2000&socketTimeout=5000",
                "app", APP_PASSWORD);
    }

    @Test
    void promotingAReplicaMovesTheWriterVipAndLosesNoAcknowledgedWrite() throws Exception {
        DatabaseLab.assumeRootAnd("MysqlFailoverIT", "mariadbd", "mariadb-install-db", "mariadb", "timeout", "setpriv");
        assumeTrue(DatabaseLab.userExists("mysql"), "MysqlFailoverIT skipped: no mysql user (install mariadb-server)");
        long t0 = System.nanoTime();
        DatabaseLab.Laps laps = new DatabaseLab.Laps();
        dir = DatabaseLab.scratch("jvs-mysql-drill");
        List<String> addresses = new ArrayList<>(DATABASES);
        addresses.add(WRITER_VIP);
        addresses.add(READER_VIP);
        int port = DatabaseLab.freePort(addresses);
        db = MariaDbServers.start(dir, DATABASES, port);
        long started = System.nanoTime();
        laps.lap("servers");

        // Server 1 is the primary; 2 and 3 replicate it (read_only, as replicas are run).
        db.sql(1, """
                CREATE USER repl@'127.%%' IDENTIFIED BY 'repl-pw';
                GRANT REPLICATION SLAVE ON *.* TO repl@'127.%%';
                CREATE USER jvs_check@'127.%%' IDENTIFIED BY 'check-pw';
                GRANT SLAVE MONITOR ON *.* TO jvs_check@'127.%%';
                CREATE DATABASE drill;
                CREATE TABLE drill.writes (seq INT PRIMARY KEY, server_id INT NOT NULL);
                CREATE USER app@'127.%%' IDENTIFIED BY '%s';
                GRANT SELECT, INSERT ON drill.* TO app@'127.%%';
                """.formatted(APP_PASSWORD));
        for (int replica : List.of(2, 3)) {
            db.sql(replica, "SET GLOBAL read_only = 1");
            db.replicate(replica, 1, "repl", "repl-pw", "slave_pos");
        }
        for (int replica : List.of(2, 3)) db.awaitCaughtUp(replica, 1);
        laps.lap("replication");

        Path checks = DatabaseLab.installChecks("mysql-vip", dir, "mysql-check-writer", "mysql-check-replica");
        Path cnf = DatabaseLab.secretFile(dir, "mysql-check.cnf", "[client]\nuser=jvs_check\npassword=check-pw\n");
        Path conf = DatabaseLab.config("mysql-vip", dir, Map.of(
                "WRITER_VIP", WRITER_VIP, "READER_VIP", READER_VIP, "MYSQL_PORT", Integer.toString(port),
                "DB1", db.address(1), "DB2", db.address(2), "DB3", db.address(3),
                "CHECKS", checks.toString(), "SCRIPT_USER", DatabaseLab.SCRIPT_USER, "DELAY_LOOP", Integer.toString(DELAY_LOOP)));
        Path directorDir = Files.createDirectory(dir.resolve("director"));
        director = DirectorProcess.startWith(directorDir, List.of("env", "MYSQL_CHECK_CNF=" + cnf, "MYSQL_CHECK_MAX_LAG=" + MAX_LAG),
                "--keepalived-conf", conf.toString());
        laps.lap("director start");
        String writer = WRITER_VIP + ":" + port;
        String reader = READER_VIP + ":" + port;
        DatabaseLab.awaitTable(director, "writer VIP on server 1, reader VIP on 2 and 3", Duration.ofSeconds(20),
                t -> t.get(writer).equals(Set.of(db.endpoint(1))) && t.get(reader).equals(Set.of(db.endpoint(2), db.endpoint(3))));
        long ready = System.nanoTime();
        laps.lap("first checks");

        // The reader: a fresh connection every 50 ms, as a pool of short-lived readers would, answering @@server_id.
        List<Read> reads = new CopyOnWriteArrayList<>();
        List<Write> writes = new CopyOnWriteArrayList<>();
        Thread readerClient = new Thread(() -> {
            while (running.get()) {
                long start = System.nanoTime();
                int id = 0;
                try (Connection c = connect(READER_VIP); Statement s = c.createStatement();
                     ResultSet r = s.executeQuery("SELECT @@server_id")) {
                    r.next();
                    id = r.getInt(1);
                } catch (SQLException e) {
                    id = 0;
                }
                reads.add(new Read(start, System.nanoTime(), id));
                pause(start, 50);
            }
        }, "reader-client");
        readerClient.start();

        // A replica whose SQL thread stops leaves the reader VIP; started again, it comes back. Then it lags: it
        // applies events MASTER_DELAY = 30 s late, and one write makes its Seconds_Behind_Master climb past MAX_LAG;
        // it leaves, and comes back once it has caught up (MASTER_DELAY back to 0). Each change is made while replica 3 is in the opposite
        // state, so a check meeting a restarting thread cannot pass for the reaction awaited. The health engine
        // logs each change as it makes it: the log times the reaction, the listing confirms it.
        String out = DatabaseLab.transition("Removing", db.endpoint(3), READER_VIP, port);
        String in = DatabaseLab.transition("Adding", db.endpoint(3), READER_VIP, port);
        Predicate<Map<String, Set<String>>> without3 = t -> t.get(reader).equals(Set.of(db.endpoint(2)));
        Predicate<Map<String, Set<String>>> with3 = t -> t.get(reader).equals(Set.of(db.endpoint(2), db.endpoint(3)));

        int outBefore = DatabaseLab.logCount(director, out);
        db.sql(3, "STOP SLAVE SQL_THREAD");
        long sqlStopped = System.nanoTime();
        DatabaseLab.awaitLog(director, out, outBefore, Duration.ofSeconds(10));
        long removedSeen = System.nanoTime();
        DatabaseLab.awaitTable(director, "replica 3 out of the reader VIP", Duration.ofSeconds(10), without3);
        laps.lap("SQL thread stopped");
        long removedListed = System.nanoTime();
        int inBefore = DatabaseLab.logCount(director, in);
        db.sql(3, "STOP SLAVE; CHANGE MASTER TO MASTER_DELAY = 30; START SLAVE");
        long sqlStarted = System.nanoTime();
        DatabaseLab.awaitLog(director, in, inBefore, Duration.ofSeconds(10));
        long backSeen = System.nanoTime();
        DatabaseLab.awaitTable(director, "replica 3 back in the reader VIP", Duration.ofSeconds(10), with3);
        laps.lap("started");
        assertOnlyServer2Answered(reads, removedListed, sqlStarted);

        outBefore = DatabaseLab.logCount(director, out);
        db.sql(1, "INSERT INTO drill.writes (seq, server_id) VALUES (0, @@server_id)");
        long lagStarted = System.nanoTime();
        DatabaseLab.awaitLog(director, out, outBefore, Duration.ofSeconds(15));
        long lagOut = System.nanoTime();
        DatabaseLab.awaitTable(director, "lagging replica 3 out of the reader VIP", Duration.ofSeconds(10), without3);
        laps.lap("lagging");
        long lagListed = System.nanoTime();
        inBefore = DatabaseLab.logCount(director, in);
        db.sql(3, "STOP SLAVE; CHANGE MASTER TO MASTER_DELAY = 0; START SLAVE");
        long caughtUp = System.nanoTime();
        DatabaseLab.awaitLog(director, in, inBefore, Duration.ofSeconds(10));
        long lagIn = System.nanoTime();
        assertEquals("1", db.sql(3, "SELECT COUNT(*) FROM drill.writes WHERE seq = 0"), "replica 3 is back, caught up");
        DatabaseLab.awaitTable(director, "replicas 2 and 3 in the reader VIP", Duration.ofSeconds(10), with3);
        laps.lap("caught up");
        assertOnlyServer2Answered(reads, lagListed, caughtUp);

        // The writer: one row every 50 ms through the writer VIP; the row records which server accepted it. On an
        // error it drops its connection and reconnects at the next tick, as a connection pool does.
        Thread writerClient = new Thread(() -> {
            Connection c = null;
            for (int seq = 1; running.get(); seq++) {
                long start = System.nanoTime();
                try {
                    if (c == null) c = connect(WRITER_VIP);
                    try (PreparedStatement insert = c.prepareStatement("INSERT INTO writes (seq, server_id) VALUES (?, @@server_id)")) {
                        insert.setInt(1, seq);
                        insert.executeUpdate();
                    }
                    writes.add(new Write(seq, start, System.nanoTime(), true, null));
                } catch (SQLException e) {
                    writes.add(new Write(seq, start, System.nanoTime(), false, e.getMessage()));
                    closeQuietly(c);
                    c = null;
                }
                pause(start, 50);
            }
            closeQuietly(c);
        }, "writer-client");
        // An idle client connection held through the switch, to see what becomes of it.
        Connection held = connect(WRITER_VIP);
        assertEquals(1, serverId(held));
        writerClient.start();
        awaitCount(writes, 10, "acknowledged writes before the switch");

        // MHA-style promotion of server 2: stop writes on the primary, let the candidate apply everything, promote
        // it, and point the others at it.
        db.sql(1, "SET GLOBAL read_only = 1");
        long readOnly = System.nanoTime();
        db.awaitCaughtUp(2, 1);
        db.sql(2, "STOP SLAVE; RESET SLAVE ALL; SET GLOBAL read_only = 0");
        long promoted = System.nanoTime();
        db.sql(3, "STOP SLAVE");
        db.replicate(3, 2, "repl", "repl-pw", "slave_pos");
        db.replicate(1, 2, "repl", "repl-pw", "current_pos");

        DatabaseLab.awaitTable(director, "writer VIP on server 2, reader VIP on 1 and 3", Duration.ofSeconds(20),
                t -> t.get(writer).equals(Set.of(db.endpoint(2))) && t.get(reader).equals(Set.of(db.endpoint(1), db.endpoint(3))));
        awaitCount(writes, acknowledged(writes) + 20, "writes after the switch");
        laps.lap("switch-over");
        running.set(false);
        writerClient.join(10_000);
        readerClient.join(10_000);

        // The held connection went to server 1, which the writer VIP deleted seconds ago. Without
        // --expire-nodest-conn it drains: still open, still on the old primary, which refuses its writes.
        // (RedisFailoverIT shows the flag cutting such a connection.)
        assertEquals(1, serverId(held), "the held connection still reaches the old primary");
        SQLException refused = assertThrows(SQLException.class, () -> {
            try (Statement s = held.createStatement()) {
                s.executeUpdate("INSERT INTO writes (seq, server_id) VALUES (-1, @@server_id)");
            }
        });
        assertEquals(1290, refused.getErrorCode(), refused.getMessage()); // ER_OPTION_PREVENTS_STATEMENT: read-only
        closeQuietly(held);

        // What the new primary holds, by sequence number: the server that accepted each row.
        Map<Integer, Integer> rows = new HashMap<>();
        for (String line : db.sql(2, "SELECT seq, server_id FROM drill.writes").split("\n")) {
            String[] f = line.split("\t");
            rows.put(Integer.parseInt(f[0]), Integer.parseInt(f[1]));
        }
        Write firstFailure = null;
        Write firstSuccessAfter = null;
        for (Write w : writes) {
            if (w.acknowledged) {
                assertTrue(rows.containsKey(w.seq), "acknowledged write " + w.seq + " is missing on the new primary");
            }
            Integer acceptedBy = rows.get(w.seq);
            if (acceptedBy != null && acceptedBy == 1) {
                assertTrue(w.startNanos < readOnly, "write " + w.seq + " was accepted by server 1 after it went read-only");
            }
            if (acceptedBy != null && acceptedBy == 2) {
                assertTrue(w.endNanos > promoted, "write " + w.seq + " was accepted by server 2 before its promotion");
            }
            assertTrue(acceptedBy == null || acceptedBy == 1 || acceptedBy == 2, "write " + w.seq + " accepted by " + acceptedBy);
            if (!w.acknowledged && firstFailure == null) firstFailure = w;
            if (w.acknowledged && firstFailure != null && firstSuccessAfter == null) firstSuccessAfter = w;
            if (firstSuccessAfter != null) {
                assertTrue(w.acknowledged, "write " + w.seq + " failed after the switch: " + w.error);
                assertEquals(2, acceptedBy, "write " + w.seq + " after the switch landed on server " + acceptedBy);
            }
        }
        assertTrue(firstFailure != null, "the client saw no error at all: the drill did not switch");
        assertTrue(firstSuccessAfter != null, "no write succeeded after the switch");
        long follow = DatabaseLab.millis(promoted, firstSuccessAfter.endNanos);
        // delay_loop × (retry + 1) with MISC_CHECK's retry 0, plus one check (at most misc_timeout).
        long bound = TimeUnit.SECONDS.toMillis(DELAY_LOOP * (0 + 1) + MISC_TIMEOUT);
        assertTrue(follow <= bound, "the writer VIP followed " + follow + " ms after the promotion; allowed " + bound + " ms");
        long failed = writes.stream().filter(w -> !w.acknowledged).count();
        long unacknowledgedPresent = writes.stream().filter(w -> !w.acknowledged && rows.containsKey(w.seq)).count();
        assertFalse(reads.isEmpty());

        System.out.printf("MysqlFailoverIT: servers up in %d ms, checks settled %d ms later; replica 3 left the reader VIP"
                        + " %d ms after STOP SLAVE SQL_THREAD, came back %d ms after START; lagging (MAX_LAG %d) it"
                        + " left %d ms after a write, came back %d ms after catching up; write outage %d ms (first failed"
                        + " write -> first acknowledged, %d failed writes of %d, %d unacknowledged but present), writer VIP"
                        + " followed %d ms after the promotion (read_only -> promoted %d ms); %d reads, %d failed; total %d ms (%s)%n",
                DatabaseLab.millis(t0, started), DatabaseLab.millis(started, ready),
                DatabaseLab.millis(sqlStopped, removedSeen), DatabaseLab.millis(sqlStarted, backSeen),
                MAX_LAG, DatabaseLab.millis(lagStarted, lagOut), DatabaseLab.millis(caughtUp, lagIn),
                DatabaseLab.millis(firstFailure.startNanos, firstSuccessAfter.endNanos), failed, writes.size(),
                unacknowledgedPresent, follow, DatabaseLab.millis(readOnly, promoted),
                reads.size(), reads.stream().filter(r -> r.serverId == 0).count(), DatabaseLab.millis(t0, System.nanoTime()), laps);
    }

    /** Reads that started after replica 3 was seen out of the reader VIP and ended before it could be back. */
    private static void assertOnlyServer2Answered(List<Read> reads, long fromNanos, long toNanos) {
        for (Read r : reads) {
            if (r.startNanos > fromNanos && r.endNanos < toNanos && r.serverId != 0) {
                assertEquals(2, r.serverId, "a read started after replica 3 left the reader VIP went to " + r.serverId);
            }
        }
    }

    private static int serverId(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT @@server_id")) {
            r.next();
            return r.getInt(1);
        }
    }

    private static int acknowledged(List<Write> writes) {
        return (int) writes.stream().filter(Write::acknowledged).count();
    }

    private static void awaitCount(List<Write> writes, int acknowledged, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (acknowledged(writes) < acknowledged) {
            if (System.nanoTime() > deadline) throw new AssertionError(what + ": only " + writes);
            Thread.sleep(20);
        }
    }

    private static void pause(long startNanos, long periodMillis) {
        long left = startNanos + TimeUnit.MILLISECONDS.toNanos(periodMillis) - System.nanoTime();
        if (left > 0) {
            try {
                TimeUnit.NANOSECONDS.sleep(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void closeQuietly(Connection c) {
        if (c == null) return;
        try {
            c.close();
        } catch (SQLException ignored) {
            // already broken
        }
    }
}

package dev.jvs.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.jvs.e2e.Shell.sh;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Debian's {@code mariadbd}, one process per loopback address, all on one port, each with its own data directory
 * (one {@code mariadb-install-db}, copied) and binary log, run as the package's {@code mysql} user. Never the
 * system service. Server i (from 1) has server_id i; administration goes over its Unix socket as root.
 */
final class MariaDbServers implements AutoCloseable {

    final List<String> addresses;
    final int port;
    private final Path dir;
    private final List<Process> processes = new ArrayList<>();

    private MariaDbServers(Path dir, List<String> addresses, int port) {
        this.dir = dir;
        this.addresses = List.copyOf(addresses);
        this.port = port;
    }

    /** Starts one server per address, all at once, and waits until each accepts connections. */
    static MariaDbServers start(Path dir, List<String> addresses, int port) throws Exception {
        Path template = Files.createDirectory(dir.resolve("template"));
        sh("chown", "mysql:mysql", template.toString());
        Shell.Run install = Shell.run(DatabaseLab.which("mariadb-install-db"), "--no-defaults", "--user=mysql", "--datadir=" + template,
                "--auth-root-authentication-method=socket", "--skip-test-db",
                "--innodb-log-file-size=8M", "--innodb-buffer-pool-size=16M");
        assertEquals(0, install.status(), () -> "mariadb-install-db failed: " + install.output());
        MariaDbServers servers = new MariaDbServers(dir, addresses, port);
        try {
            for (int i = 1; i <= addresses.size(); i++) {
                sh("cp", "-a", template.toString(), servers.dataDir(i).toString());
                // --log-basename first: it would override a --log-error given before it.
                servers.processes.add(new ProcessBuilder(DatabaseLab.which("mariadbd"), "--no-defaults", "--log-basename=db" + i, "--user=mysql",
                        "--datadir=" + servers.dataDir(i), "--socket=" + servers.socket(i),
                        "--pid-file=" + servers.dataDir(i).resolve("mariadbd.pid"),
                        "--log-error=" + servers.errorLog(i),
                        "--bind-address=" + addresses.get(i - 1), "--port=" + port, "--server-id=" + i,
                        "--log-bin", "--log-slave-updates", "--skip-name-resolve",
                        "--innodb-buffer-pool-size=16M", "--innodb-log-file-size=8M", "--performance-schema=OFF",
                        "--skip-slave-start").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
            }
            for (int i = 1; i <= addresses.size(); i++) servers.awaitReady(i);
            return servers;
        } catch (Exception | Error e) {
            servers.close();
            throw e;
        }
    }

    private Path dataDir(int i) {
        return dir.resolve("db" + i);
    }

    private Path socket(int i) {
        return dataDir(i).resolve("mariadbd.sock");
    }

    private Path errorLog(int i) {
        return dataDir(i).resolve("error.log");
    }

    String address(int i) {
        return addresses.get(i - 1);
    }

    /** "ADDRESS:PORT" of server i, as ipvsadm -Ln prints it. */
    String endpoint(int i) {
        return address(i) + ":" + port;
    }

    private void awaitReady(int i) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            String log = Files.exists(errorLog(i)) ? Files.readString(errorLog(i)) : "";
            if (log.contains("ready for connections")) return;
            if (!processes.get(i - 1).isAlive()) fail("mariadbd " + i + " exited:\n" + log);
            Thread.sleep(50);
        }
        fail("mariadbd " + i + " did not start:\n" + Files.readString(errorLog(i)));
    }

    /** Runs SQL as root on server i through its socket; returns what it printed (tab-separated, no headers). */
    String sql(int i, String statements) throws Exception {
        Shell.Run r = Shell.run("mariadb", "--no-defaults", "--socket=" + socket(i), "-uroot", "-N", "-B", "-e", statements);
        assertEquals(0, r.status(), () -> "on server " + i + ": " + statements + "\n" + r.output());
        return r.output();
    }

    /** Makes server i a GTID replica of server {@code primary} and starts both of its threads. */
    void replicate(int i, int primary, String user, String password, String gtidMode) throws Exception {
        sql(i, "CHANGE MASTER TO MASTER_HOST='" + address(primary) + "', MASTER_PORT=" + port + ", MASTER_USER='" + user
                + "', MASTER_PASSWORD='" + password + "', MASTER_USE_GTID=" + gtidMode + ", MASTER_CONNECT_RETRY=1;"
                + " START SLAVE;");
    }

    /** Waits until replica i has applied everything server {@code primary} has written so far. */
    void awaitCaughtUp(int i, int primary) throws Exception {
        String position = sql(primary, "SELECT @@gtid_binlog_pos");
        String waited = sql(i, "SELECT MASTER_GTID_WAIT('" + position + "', 20)");
        assertEquals("0", waited, "server " + i + " did not reach " + position + " of server " + primary);
    }

    @Override
    public void close() throws InterruptedException {
        for (Process p : processes) p.destroy();
        for (Process p : processes) {
            if (!p.waitFor(20, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}

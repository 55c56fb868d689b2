package dev.jvs.e2e;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A real JVS backup fed the sync datagrams a Linux 6.1 kernel master sent (captured in ipvs-vm with DR services
 * and real traffic; {@code director/src/test/resources/dev/jvs/director/sync/kernel/}): it must install what the
 * kernel's own backup installed from the same datagrams — the same {@code -Lnc} rows (templates ASSURED, DR
 * flows with their states, the UDP flow) and, byte for byte, the same {@code -Ln --persistent-conn} counters.
 * The director runs in its own namespace with the kernel lab's addresses; the datagrams go to its sync port.
 */
class KernelSyncIT {

    private static final Path FIXTURES = DirectorProcess.HOME.resolve("director/src/test/resources/dev/jvs/director/sync/kernel");
    private static final String VIP = "10.10.0.10";

    @TempDir
    Path dir;
    String ns;
    DirectorProcess backup;

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (backup != null) backup.stop();
        } finally {
            if (ns != null) Shell.run("ip", "netns", "del", ns);
        }
    }

    @Test
    void aJvsBackupInstallsFromAKernelMastersDatagramsWhatAKernelBackupInstalls() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "KernelSyncIT skipped: needs root");
        ns = "jvs-ks-" + ProcessHandle.current().pid();
        Shell.Run add = Shell.run("ip", "netns", "add", ns);
        Assumptions.assumeTrue(add.status() == 0, () -> "KernelSyncIT skipped: 'ip netns add' failed: " + add.output());
        Shell.sh("ip", "-n", ns, "link", "set", "lo", "up");
        Shell.sh("ip", "link", "add", "ks0", "netns", ns, "type", "veth", "peer", "name", "ks1", "netns", ns);
        Shell.sh("ip", "-n", ns, "addr", "add", "10.10.1.1/24", "dev", "ks0");
        Shell.sh("ip", "-n", ns, "link", "set", "ks0", "up");
        Shell.sh("ip", "-n", ns, "link", "set", "ks1", "up");
        backup = DirectorProcess.startInNamespace(ns, dir, "--interface", "ks0");
        // The kernel lab's table, in its order.
        backup.ok("-A", "-t", VIP + ":80", "-s", "rr", "-p", "300");
        backup.ok("-A", "-t", VIP + ":443", "-s", "rr");
        backup.ok("-A", "-u", VIP + ":53", "-s", "rr");
        for (int i = 1; i <= 3; i++) {
            backup.ok("-a", "-t", VIP + ":80", "-r", "10.10.1.1" + i, "-g");
            backup.ok("-a", "-t", VIP + ":443", "-r", "10.10.1.1" + i, "-g");
            backup.ok("-a", "-u", VIP + ":53", "-r", "10.10.1.1" + i, "-g");
        }
        backup.ok("--start-daemon", "backup", "--mcast-interface", "ks0", "--syncid", "7");

        // The kernel backup listed its table after the first three datagrams (the fourth closed the held flows).
        send("kernel-master-01.bin", "kernel-master-02.bin", "kernel-master-03.bin");
        Set<String> kernelRows = rows(Files.readString(FIXTURES.resolve("kernel-backup-of-kernel-Lnc.txt")));
        assertEquals(17, kernelRows.size());
        assertEquals(kernelRows, awaitRows(kernelRows), backup.log());
        assertEquals(Files.readString(FIXTURES.resolve("kernel-backup-of-kernel-Ln.txt")),
                backup.ok("-Ln", "--persistent-conn"));

        // The fourth: every held flow closed (CLOSE_WAIT then TIME_WAIT records), templates still ASSURED.
        send("kernel-master-04.bin");
        Set<String> closed = new TreeSet<>();
        for (String row : kernelRows) closed.add(row.replace(" ESTABLISHED ", " TIME_WAIT "));
        assertEquals(closed, awaitRows(closed), backup.log());
    }

    /** Sends fixture datagrams, in order, to the backup's sync port from inside its namespace. */
    private void send(String... names) throws Exception {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", ns, "python3", "-c", """
                import socket, sys, time
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                for f in sys.argv[1:]:
                    s.sendto(open(f, "rb").read(), ("127.0.0.1", 8848))
                    time.sleep(0.05)
                """));
        for (String n : names) command.add(FIXTURES.resolve(n).toString());
        Shell.sh(command.toArray(new String[0]));
    }

    /** {@code -Lnc} rows without the expire column. */
    private static Set<String> rows(String listing) {
        Set<String> rows = new TreeSet<>();
        for (String line : listing.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 6 && (f[0].equals("TCP") || f[0].equals("UDP"))) {
                rows.add(f[0] + " " + f[2] + " " + f[3] + " " + f[4] + " " + f[5]);
            }
        }
        return rows;
    }

    private Set<String> awaitRows(Set<String> expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Set<String> seen = rows(backup.ok("-Lnc"));
        while (!seen.equals(expected) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            seen = rows(backup.ok("-Lnc"));
        }
        return seen;
    }
}

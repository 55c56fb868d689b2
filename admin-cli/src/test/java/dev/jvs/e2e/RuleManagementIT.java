package dev.jvs.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Rule-table management through the real CLI: save/restore, atomic batches, the state file, errors. */
class RuleManagementIT {

    static final String RULES = """
            -A -t 10.10.0.1:80 -s wrr
            -a -t 10.10.0.1:80 -r 192.168.10.1:8080 -m -w 3
            -a -t 10.10.0.1:80 -r 192.168.10.2:8080 -m -w 1
            -A -t 10.10.0.2:443 -s rr -p 600
            -a -t 10.10.0.2:443 -r 192.168.20.1:443 -g -w 2
            -a -t 10.10.0.2:443 -r 192.168.20.2:443 -i -w 1
            -A -u 10.10.0.3:53 -s wlc
            -a -u 10.10.0.3:53 -r 192.168.30.1:53 -m -w 1
            """;

    @TempDir
    Path dir;

    @Test
    void saveClearRestoreRoundTripsToAnIdenticalTable() throws Exception {
        try (DirectorProcess director = DirectorProcess.start(dir)) {
            assertEquals(0, director.ipvsadmWithInput(RULES, "-R").status());
            String saved = director.ok("-S", "-n");
            String listed = director.ok("-L", "-n");
            director.ok("-C");
            assertEquals("", director.ok("-S", "-n"));
            DirectorProcess.Result restored = director.ipvsadmWithInput(saved, "-R");
            assertEquals(0, restored.status(), restored.err());
            assertEquals(saved, director.ok("-S", "-n"));
            assertEquals(listed, director.ok("-L", "-n"));
            assertEquals(saved, director.run("", "bin/ipvsadm-save", "-n").out());
            assertEquals(0, director.stop());
        }
    }

    @Test
    void aRestoreWithABadLineChangesNothingAndNamesTheLine() throws Exception {
        try (DirectorProcess director = DirectorProcess.start(dir)) {
            director.ipvsadmWithInput(RULES, "-R");
            String before = director.ok("-S", "-n");

            // Line 3 is valid grammar but the service already exists: a kernel-side error.
            DirectorProcess.Result duplicate = director.ipvsadmWithInput(
                    "-A -t 10.20.0.1:80 -s rr\n-a -t 10.20.0.1:80 -r 192.168.1.1:80 -m\n-A -t 10.10.0.1:80 -s rr\n", "-R");
            assertEquals(255, duplicate.status());
            assertEquals("line 3: Service already exists\n", duplicate.err());
            assertEquals(before, director.ok("-S", "-n"));

            // Line 2 is bad grammar: rejected by the CLI before anything is sent.
            DirectorProcess.Result invalid = director.ipvsadmWithInput("-A -t 10.20.0.1:80\n-a -t 10.20.0.1:80 -r 192.168.1.1:80 -w x\n", "-R");
            assertEquals(2, invalid.status());
            assertEquals("line 2: illegal weight specified\n", invalid.err());
            assertEquals(before, director.ok("-S", "-n"));

            // ipvsadm-restore clears and restores in one batch: a bad file leaves the old table, not an empty one.
            DirectorProcess.Result replaced = director.run("# saved rules\n-A -t 10.30.0.1:80 -s rr\n-a -t 10.99.0.1:80 -r 192.168.1.1:80 -m\n",
                    "bin/ipvsadm-restore");
            assertEquals(255, replaced.status());
            assertEquals("line 3: Service not defined\n", replaced.err());
            assertEquals(before, director.ok("-S", "-n"));

            DirectorProcess.Result good = director.run("# saved rules\n-A -t 10.30.0.1:80 -s rr\n", "bin/ipvsadm-restore");
            assertEquals(0, good.status(), good.err());
            assertEquals("-A -t 10.30.0.1:80 -s rr\n", director.ok("-S", "-n"));
        }
    }

    @Test
    void aRestartedDirectorRestoresItsStateFileExactly() throws Exception {
        Path state = dir.resolve("state.rules");
        String saved;
        String thresholds;
        try (DirectorProcess director = DirectorProcess.start(dir, "--state", state.toString())) {
            director.ipvsadmWithInput(RULES, "-R");
            director.ok("-e", "-t", "10.10.0.1:80", "-r", "192.168.10.2:8080", "-m", "-w", "5", "-x", "100", "-y", "50");
            director.ok("--set", "1000", "60", "200");
            saved = director.ok("-S", "-n");
            thresholds = director.ok("-L", "-n", "--thresholds");
            assertEquals(0, director.stop());
        }
        assertTrue(Files.readString(state).contains("-x 100 -y 50"), "the state keeps what -S leaves out");
        try (DirectorProcess director = DirectorProcess.start(dir, "--state", state.toString(),
                "--config", dir.resolve("ignored.rules").toString())) {
            assertTrue(director.log().contains("loaded rules from state file"), director.log());
            assertEquals(saved, director.ok("-S", "-n"));
            assertEquals(thresholds, director.ok("-L", "-n", "--thresholds"));
            assertEquals("Timeout (tcp tcpfin udp): 1000 60 200\n", director.ok("-L", "--timeout"));
        }
    }

    @Test
    void aConfigFileIsLoadedAtStartAndABadOneStopsStartUp() throws Exception {
        Path config = Files.writeString(dir.resolve("rules.conf"), RULES);
        try (DirectorProcess director = DirectorProcess.start(dir, "--config", config.toString())) {
            assertTrue(director.log().contains("loaded rules from config file"));
            assertEquals(RULES.lines().count(), director.ok("-S", "-n").lines().count());
        }
        Path bad = Files.writeString(dir.resolve("bad.conf"), "-A -t 10.0.0.1:80 -s rr\n-A -t 10.0.0.1:80 -s rr\n");
        Process p = new ProcessBuilder(DirectorProcess.HOME.resolve("bin/jvs-director").toString(),
                "--socket", dir.resolve("other.sock").toString(), "--config", bad.toString())
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor() != 0, "start-up stops");
        assertTrue(output.contains("line 2: Service already exists"), output);
    }

    @Test
    void errorsUseIpvsadmWordingAndExitStatus() throws Exception {
        try (DirectorProcess director = DirectorProcess.start(dir)) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(director.socket())));
            director.ok("-A", "-t", "10.0.0.1:80", "-s", "rr");
            expect(director.ipvsadm("-A", "-t", "10.0.0.1:80", "-s", "wrr"), 255, "Service already exists\n");
            expect(director.ipvsadm("-A", "-t", "10.0.0.2:80", "-s", "nosuch"), 255, "Scheduler or persistence engine not found\n");
            expect(director.ipvsadm("-a", "-t", "10.9.9.9:80", "-r", "192.168.0.1"), 255, "Service not defined\n");
            expect(director.ipvsadm("-d", "-t", "10.0.0.1:80", "-r", "192.168.0.99"), 255, "No such destination\n");
            expect(director.ipvsadm("-L", "-n", "-t", "10.9.9.9:80"), 1, "No such service\n");
            expect(director.ipvsadm("-A"), 2, "You need to supply the 'service-address' option for the 'add-service' command\n");
            expect(director.ipvsadm("-a", "-t", "10.0.0.1:80", "-r", "192.168.0.1", "-w", "-1"), 2, "illegal weight specified\n");
            director.ok("-a", "-t", "10.0.0.1:80", "-r", "192.168.0.1:80", "-m");
            expect(director.ipvsadm("-a", "-t", "10.0.0.1:80", "-r", "192.168.0.2:80", "-g"), 255,
                    "Mixing masquerading (-m) and direct routing/tunneling (-g/-i) real servers in one service is not supported by JVS\n");
            assertEquals("-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 192.168.0.1:80 -m -w 1\n", director.ok("-S", "-n"));
            String help = director.ok("-h");
            assertTrue(help.contains("--proxy-protocol"), "help lists JVS's own options");
        }
    }

    private static void expect(DirectorProcess.Result result, int status, String err) {
        assertEquals(err, result.err());
        assertEquals(status, result.status());
        assertEquals("", result.out());
    }
}

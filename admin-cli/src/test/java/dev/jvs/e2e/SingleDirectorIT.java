package dev.jvs.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** One director per control socket and per state file; "ready" only when every listener is bound. */
class SingleDirectorIT {

    @TempDir
    Path dir;

    /** A director process started with exactly {@code args}, its output in {@code log}. */
    private static Process raw(Path log, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(DirectorProcess.HOME.resolve("bin/jvs-director").toString());
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static int exitOf(Process p) throws InterruptedException {
        if (!p.waitFor(30, TimeUnit.SECONDS)) fail("the refused director did not exit");
        return p.exitValue();
    }

    @Test
    void aSecondDirectorOnTheSameSocketIsRefusedAndTheFirstStaysManageable() throws Exception {
        try (DirectorProcess first = DirectorProcess.start(dir)) {
            first.ok("-A", "-t", "127.0.0.1:7001", "-s", "rr");
            Path log = dir.resolve("second.log");
            Process second = raw(log, "--socket", first.socket().toString());
            assertEquals(1, exitOf(second));
            String said = Files.readString(log);
            assertTrue(said.contains("another director (pid " + first.pid() + ") already uses the control socket "
                    + first.socket()), said);
            assertTrue(Files.exists(first.socket()), "the running director's socket is still there");
            assertTrue(first.ok("-Ln").contains("TCP  127.0.0.1:7001 rr"), "and it still answers");
        }
    }

    @Test
    void twoDirectorsStartedAtOnceLeaveExactlyOneReachable() throws Exception {
        Path socket = dir.resolve("race.sock");
        Process a = raw(dir.resolve("a.log"), "--socket", socket.toString());
        Process b = raw(dir.resolve("b.log"), "--socket", socket.toString());
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (a.isAlive() && b.isAlive() && System.nanoTime() < deadline) Thread.sleep(20);
            assertTrue(a.isAlive() != b.isAlive(), "exactly one of the two exits");
            Process loser = a.isAlive() ? b : a;
            Process winner = a.isAlive() ? a : b;
            assertEquals(1, exitOf(loser));
            Path winnerLog = dir.resolve(winner == a ? "a.log" : "b.log");
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.readString(winnerLog).contains("jvs-director ready")) {
                if (!winner.isAlive() || System.nanoTime() > deadline) fail("the survivor never became ready:\n" + Files.readString(winnerLog));
                Thread.sleep(20);
            }
            ProcessBuilder cli = new ProcessBuilder(DirectorProcess.HOME.resolve("bin/ipvsadm").toString(), "-Ln");
            cli.environment().put("JVS_SOCKET", socket.toString());
            Shell.Run run = runCli(cli);
            assertEquals(0, run.status(), run.output());
            assertTrue(winner.isAlive());
        } finally {
            a.destroy();
            b.destroy();
            a.waitFor(20, TimeUnit.SECONDS);
            b.waitFor(20, TimeUnit.SECONDS);
        }
    }

    private static Shell.Run runCli(ProcessBuilder pb) throws IOException, InterruptedException {
        Process p = pb.redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS)) fail("ipvsadm did not finish");
        return new Shell.Run(p.exitValue(), out);
    }

    @Test
    void aSecondDirectorWithTheSameStateFileIsRefusedAndChangesNothing() throws Exception {
        Path state = dir.resolve("rules.state");
        Path other = Files.createDirectory(dir.resolve("other"));
        try (DirectorProcess first = DirectorProcess.start(dir, "--state", state.toString())) {
            first.ok("-A", "-t", "127.0.0.1:7002", "-s", "rr");
            String saved = Files.readString(state);
            Path log = dir.resolve("second.log");
            Process second = raw(log, "--socket", other.resolve("jvs.sock").toString(), "--state", state.toString());
            assertEquals(1, exitOf(second));
            String said = Files.readString(log);
            assertTrue(said.contains("already uses the state file " + state), said);
            assertEquals(saved, Files.readString(state));
            assertFalse(Files.exists(other.resolve("jvs.sock")), "the refused director left no socket");
            first.ok("-A", "-t", "127.0.0.1:7003", "-s", "rr");
            assertTrue(Files.readString(state).contains("127.0.0.1:7003"), "the first one still writes it");
        }
    }

    @Test
    void readyOnlyOnceEveryListenerIsBoundAndAFailedBindIsRetried() throws Exception {
        ServerSocket blocker = new ServerSocket();
        blocker.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        int port = blocker.getLocalPort();
        Path config = Files.writeString(dir.resolve("rules"),
                "-A -t 127.0.0.1:" + port + " -s rr\n-a -t 127.0.0.1:" + port + " -r 127.0.0.1:9 -m\n");
        try (DirectorProcess director = DirectorProcess.launch(dir, List.of(), "--config", config.toString())) {
            try {
                director.awaitLog("ERROR NatProxy - cannot listen on TCP 127.0.0.1:" + port);
                director.awaitLog("control socket");
                assertFalse(director.log().contains("jvs-director ready"), "not ready while a listener is missing");
            } finally {
                blocker.close();
            }
            director.awaitLog("listening on TCP 127.0.0.1:" + port);
            director.awaitLog("jvs-director ready");
        }
    }

    @Test
    void aStatePathThatIsNotARegularFileOrABadConfigStopsStartUpNamingTheFile() throws Exception {
        Path fifo = dir.resolve("state.fifo");
        Shell.sh("mkfifo", fifo.toString());
        Path log = dir.resolve("fifo.log");
        assertEquals(1, exitOf(raw(log, "--socket", dir.resolve("a.sock").toString(), "--state", fifo.toString())));
        assertTrue(Files.readString(log).contains("jvs-director: state file " + fifo + " is not a regular file"),
                Files.readString(log));
        assertFalse(Files.isRegularFile(fifo), "the FIFO is still a FIFO");

        Path latin1 = Files.write(dir.resolve("rules"), "-A -t 127.0.0.1:80 -s rr # caf\u00e9\n".getBytes("ISO-8859-1"));
        Path log2 = dir.resolve("config.log");
        assertEquals(1, exitOf(raw(log2, "--socket", dir.resolve("b.sock").toString(), "--config", latin1.toString())));
        assertTrue(Files.readString(log2).contains("jvs-director: cannot read " + latin1 + ": line 1 is not UTF-8 text"),
                Files.readString(log2));
    }
}

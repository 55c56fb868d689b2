package dev.jvs.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** A real {@code bin/jvs-director} process on a private control socket, driven with the real {@code bin/ipvsadm}. */
final class DirectorProcess implements AutoCloseable {

    static final Path HOME = Path.of(System.getProperty("jvs.home", "..")).toAbsolutePath().normalize();
    /**
     * Options added to every director the tests start, from {@code -Djvs.director.args=...} (split on spaces), e.g.
     * {@code '--transport epoll --splice on'} to run the NAT tests over the splice(2) relay.
     */
    static final List<String> EXTRA_ARGS = List.of(System.getProperty("jvs.director.args", "").trim().split("\\s+"))
            .stream().filter(a -> !a.isEmpty()).toList();

    /** What a finished CLI run printed and returned. */
    record Result(int status, String out, String err) {}

    private final Path dir;
    private final Path socket;
    private final Path log;
    private final Process process;

    private DirectorProcess(Path dir, Process process) {
        this(dir, dir.resolve("director.log"), process);
    }

    private DirectorProcess(Path dir, Path log, Process process) {
        this.dir = dir;
        this.socket = dir.resolve("jvs.sock");
        this.log = log;
        this.process = process;
    }

    /**
     * Starts {@code jvs-director --takeover} on this director's socket (its log: {@code log}), without waiting;
     * the returned process is the successor.
     */
    DirectorProcess launchTakeover(Path log, String... extraArgs) throws IOException {
        return launchTakeover(List.of(), log, extraArgs);
    }

    /** As {@link #launchTakeover(Path, String...)}, through {@code launcher} (e.g. {@code ip netns exec NS}). */
    DirectorProcess launchTakeover(List<String> launcher, Path log, String... extraArgs) throws IOException {
        List<String> command = new ArrayList<>(launcher);
        command.addAll(List.of(HOME.resolve("bin/jvs-director").toString(),
                "--socket", socket.toString(), "--takeover"));
        command.addAll(EXTRA_ARGS);
        command.addAll(List.of(extraArgs));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new DirectorProcess(dir, log, p);
    }

    /** Starts a director in {@code dir} (its socket and log live there) and waits until it accepts commands. */
    static DirectorProcess start(Path dir, String... extraArgs) throws IOException, InterruptedException {
        return startWith(dir, List.of(), extraArgs);
    }

    /**
     * Starts a director inside network namespace {@code netns}. Its control socket is a file, so the CLI reaches
     * it from any namespace. {@code ip netns exec} execs the launcher, which execs java: SIGTERM still lands on
     * the director itself.
     */
    static DirectorProcess startInNamespace(String netns, Path dir, String... extraArgs)
            throws IOException, InterruptedException {
        return startWith(dir, List.of("ip", "netns", "exec", netns), extraArgs);
    }

    /** As {@link #start}, with the director launched through {@code launcher} (e.g. {@code prlimit ...}). */
    static DirectorProcess startWith(Path dir, List<String> launcher, String... extraArgs)
            throws IOException, InterruptedException {
        DirectorProcess director = launch(dir, launcher, extraArgs);
        try {
            director.awaitReady();
        } catch (Throwable notReady) {
            director.process.destroyForcibly(); // the caller never gets it to close: do not leave it running
            throw notReady;
        }
        return director;
    }

    /** Starts a director as {@link #startWith} does, without waiting for anything. */
    static DirectorProcess launch(Path dir, List<String> launcher, String... extraArgs) throws IOException {
        return launch(dir, launcher, java.util.Map.of(), extraArgs);
    }

    /** As {@link #start}, with these environment variables added (e.g. {@code NOTIFY_SOCKET}). */
    static DirectorProcess startWithEnvironment(Path dir, java.util.Map<String, String> environment,
                                                String... extraArgs) throws IOException, InterruptedException {
        DirectorProcess director = launch(dir, List.of(), environment, extraArgs);
        try {
            director.awaitReady();
        } catch (Throwable notReady) {
            director.process.destroyForcibly();
            throw notReady;
        }
        return director;
    }

    private static DirectorProcess launch(Path dir, List<String> launcher, java.util.Map<String, String> environment,
                                          String... extraArgs) throws IOException {
        List<String> command = new ArrayList<>(launcher);
        command.addAll(List.of(HOME.resolve("bin/jvs-director").toString(),
                "--socket", dir.resolve("jvs.sock").toString()));
        command.addAll(EXTRA_ARGS);
        command.addAll(List.of(extraArgs));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(environment);
        Process p = builder
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("director.log").toFile())
                .start();
        return new DirectorProcess(dir, p);
    }

    /** Waits until the log contains {@code text}; fails if the director exits first. */
    void awaitLog(String text) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (log().contains(text)) return;
            if (!process.isAlive()) fail("director exited with " + process.exitValue() + " before logging '" + text + "':\n" + log());
            Thread.sleep(50);
        }
        fail("director never logged '" + text + "':\n" + log());
    }

    /** Waits for the process to exit (it must, within 30 s) and returns its status. */
    int awaitExit() throws InterruptedException {
        if (!process.waitFor(30, TimeUnit.SECONDS)) fail("director did not exit");
        return process.exitValue();
    }

    private void awaitReady() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) fail("director exited with " + process.exitValue() + ":\n" + log());
            if (Files.exists(socket) && log().contains("jvs-director ready")) return;
            Thread.sleep(50);
        }
        fail("director did not become ready:\n" + log());
    }

    String log() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    Path socket() { return socket; }

    /** The director's process id (bin/jvs-director execs the JVM, so this is the JVM itself). */
    long pid() { return process.pid(); }

    /** How many file descriptors the director holds open right now. */
    int openFileDescriptors() throws IOException {
        try (var fds = Files.list(Path.of("/proc", Long.toString(process.pid()), "fd"))) {
            return (int) fds.count();
        }
    }

    boolean alive() { return process.isAlive(); }

    /** Runs {@code bin/ipvsadm ARGS} against this director. */
    Result ipvsadm(String... args) throws IOException, InterruptedException {
        return run("", "bin/ipvsadm", args);
    }

    /** Runs {@code bin/ipvsadm ARGS} with {@code stdin} as its standard input. */
    Result ipvsadmWithInput(String stdin, String... args) throws IOException, InterruptedException {
        return run(stdin, "bin/ipvsadm", args);
    }

    Result run(String stdin, String script, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(HOME.resolve(script).toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("JVS_SOCKET", socket.toString());
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Path in = Files.writeString(Files.createTempFile(dir, "in", ".txt"), stdin);
        Process p = pb.redirectInput(in.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(script + " " + String.join(" ", args) + " did not finish");
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    /** Runs ipvsadm and fails the test unless it succeeds; returns its stdout. */
    String ok(String... args) throws IOException, InterruptedException {
        Result r = ipvsadm(args);
        assertEquals(0, r.status(), () -> "ipvsadm " + String.join(" ", args) + " failed: " + r.err());
        return r.out();
    }

    /** SIGTERM, then the exit status (a clean shutdown is 0). */
    int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            return -1;
        }
        return process.exitValue();
    }

    /** SIGTERM without waiting: the test watches what happens before the director exits. */
    void sigterm() {
        process.destroy();
    }

    /** SIGKILL: a crash, with no chance to clean up (no priority-0 advert, VIPs left behind). */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) stop();
    }
}

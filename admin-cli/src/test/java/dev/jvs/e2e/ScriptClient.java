package dev.jvs.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Callable;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Python client script running in a namespace of a test topology: its output lines as they come (a line
 * with "-fail " is the script reporting a failure), and a line on its stdin to stop it, after which it prints
 * "done". Killed on close if it is still running.
 */
final class ScriptClient implements AutoCloseable {

    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> seen = new ArrayList<>();
    private final Thread reader;
    /** What to add to a failure's message (e.g. the director's log). */
    private final Callable<String> context;

    private ScriptClient(Process process, String name, Callable<String> context) {
        this.process = process;
        this.context = context;
        reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) lines.add(line);
            } catch (IOException e) {
                lines.add("reader-fail " + e);
            }
        }, name);
        reader.start();
    }

    /** Runs {@code script} with {@code args} by python3 in namespace {@code ns} of {@code net}. */
    static ScriptClient start(Namespaces net, String ns, String script, Callable<String> context, String... args)
            throws IOException {
        List<String> command = new ArrayList<>(List.of("python3", "-c", script));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(net.exec(ns, command.toArray(String[]::new))).redirectErrorStream(true)
                .start();
        return new ScriptClient(p, "script-client-" + ns, context);
    }

    /** Takes lines until one starting with {@code prefix} (returned); 10 s at most, and no failure line. */
    String awaitLine(String prefix) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null) throw new AssertionError("no '" + prefix + "' from the client in 10 s; so far "
                    + seen.subList(Math.max(0, seen.size() - 20), seen.size()) + "\n" + context());
            seen.add(line);
            if (line.contains("-fail ")) throw new AssertionError("the client failed: " + line + "\n" + context());
            if (line.startsWith(prefix)) return line;
        }
    }

    private String context() {
        try {
            return context.call();
        } catch (Exception e) {
            return "(" + e + ")";
        }
    }

    /** Every line so far, those not yet awaited included. */
    List<String> seen() {
        lines.drainTo(seen);
        return seen;
    }

    /** How many lines so far start with {@code prefix}. */
    int count(String prefix) {
        return (int) seen().stream().filter(l -> l.startsWith(prefix)).count();
    }

    /** Asks the script to stop, waits for its "done" and its exit, and takes its last lines. */
    void stop() throws IOException, InterruptedException {
        OutputStream in = process.getOutputStream();
        in.write("stop\n".getBytes(StandardCharsets.US_ASCII));
        in.flush();
        awaitLine("done");
        assertTrue(process.waitFor(10, TimeUnit.SECONDS), "the client ended");
        reader.join(5_000);
        seen();
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}

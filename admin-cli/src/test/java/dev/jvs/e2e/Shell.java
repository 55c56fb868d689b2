package dev.jvs.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** Runs the commands that build test topologies (ip, nft, curl ...), with a bound on how long each may take. */
final class Shell {

    private Shell() {}

    /** What a finished command returned and printed (stdout and stderr together, stripped). */
    record Run(int status, String output) {}

    static Run run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(String.join(" ", command) + " did not finish");
        }
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8).strip());
    }

    /** Runs {@code command} and fails the test unless it succeeds. */
    static void sh(String... command) throws Exception {
        Run r = run(command);
        assertEquals(0, r.status(), () -> String.join(" ", command) + " failed: " + r.output());
    }
}

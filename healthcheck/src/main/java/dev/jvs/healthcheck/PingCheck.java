package dev.jvs.healthcheck;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * keepalived's PING_CHECK: one ICMP echo, answered within connect_timeout. The JDK cannot open an unprivileged
 * ICMP datagram socket, so this runs {@code ping -c1 -W SECS} as a process (asynchronously: no thread waits on
 * it). Without a {@code ping} program it falls back to {@link InetAddress#isReachable}, which sends an ICMP
 * echo when the JVM has the privilege, on a small bounded executor.
 */
public final class PingCheck implements Checker {

    private static final Logger log = LoggerFactory.getLogger(PingCheck.class);
    private static final Path PING = findPing();

    private final InetAddress target;
    private final Duration timeout;
    private final Executor fallback;

    public PingCheck(InetAddress target, Duration timeout, Executor fallback) {
        this.target = target;
        this.timeout = timeout;
        this.fallback = fallback;
    }

    /** Which ICMP mechanism PING_CHECK uses on this host, for the start-up log. */
    public static String mechanism() {
        return PING != null ? "the ping program (" + PING + ")" : "InetAddress.isReachable (no ping program found)";
    }

    @Override
    public CompletableFuture<CheckResult> check() {
        String where = Probes.describe(target);
        if (PING == null) {
            return CompletableFuture.supplyAsync(() -> {
                try {
                    return target.isReachable((int) timeout.toMillis())
                            ? CheckResult.up("echo reply from " + where)
                            : CheckResult.down("no echo reply from " + where + " within " + TcpCheck.format(timeout));
                } catch (IOException e) {
                    return CheckResult.down("ping " + where + " failed: " + e.getMessage());
                }
            }, fallback);
        }
        List<String> command = new ArrayList<>(List.of(PING.toString(), "-n", "-q", "-c", "1", "-W",
                Long.toString(Math.max(1, (timeout.toMillis() + 999) / 1000))));
        if (target instanceof Inet6Address) command.add("-6");
        command.add(target.getHostAddress());
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.onExit().thenApply(done -> done.exitValue() == 0
                    ? CheckResult.up("echo reply from " + where)
                    : CheckResult.down("no echo reply from " + where + " within " + TcpCheck.format(timeout)));
        } catch (IOException e) {
            return CompletableFuture.completedFuture(CheckResult.down("cannot run ping: " + e.getMessage()));
        }
    }

    private static Path findPing() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path candidate = Path.of(dir, "ping");
            if (Files.isExecutable(candidate)) return candidate;
        }
        for (String dir : List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin")) {
            Path candidate = Path.of(dir, "ping");
            if (Files.isExecutable(candidate)) return candidate;
        }
        log.debug("no ping program found");
        return null;
    }
}

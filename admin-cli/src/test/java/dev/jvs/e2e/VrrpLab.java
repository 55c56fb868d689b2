package dev.jvs.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A throw-away L2 segment: a bridge in its own network namespace and one namespace per node,
 * each with {@code eth0} = 10.77.0.N/24 (and fd77::N/64) on the bridge. Names are unique per lab;
 * {@link #close()} deletes every namespace it made, which also takes the veths with it.
 */
final class VrrpLab implements AutoCloseable {

    static final String SUBNET = "10.77.0.";

    private final String prefix;
    private final List<String> namespaces = new ArrayList<>();
    private final List<Process> background = new ArrayList<>();

    /** Skips the test (visibly) unless we can build namespaces. */
    static void assumeRootWithIp() {
        assumeTrue("root".equals(System.getProperty("user.name")), "VRRP namespace tests need root (network namespaces, raw sockets)");
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/ip")) || Files.isExecutable(Path.of("/sbin/ip")) || Files.isExecutable(Path.of("/usr/bin/ip")),
                "VRRP namespace tests need iproute2's ip");
        // Root in an unprivileged container still cannot make namespaces: say so instead of failing.
        String probe = "jvprobe" + ProcessHandle.current().pid();
        String why;
        try {
            why = output("ip", "netns", "add", probe);
            output("ip", "netns", "del", probe);
        } catch (IOException | InterruptedException e) {
            why = e.toString();
        }
        String reason = why;
        assumeTrue(reason.isBlank(), () -> "VRRP namespace tests cannot create network namespaces here: " + reason.strip());
    }

    static boolean hasCommand(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, name))) return true;
        }
        return Files.isExecutable(Path.of("/usr/sbin", name)) || Files.isExecutable(Path.of("/sbin", name));
    }

    VrrpLab(int nodes) throws IOException, InterruptedException {
        prefix = "jv" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff)).toLowerCase(Locale.ROOT);
        boolean built = false;
        try {
            String bridge = addNamespace("br");
            sh("ip", "-n", bridge, "link", "add", "br0", "type", "bridge");
            sh("ip", "-n", bridge, "link", "set", "br0", "up");
            for (int i = 1; i <= nodes; i++) {
                String ns = addNamespace(Integer.toString(i));
                String hostSide = prefix + "v" + i;
                sh("ip", "link", "add", hostSide, "type", "veth", "peer", "name", "eth0", "netns", ns);
                sh("ip", "link", "set", hostSide, "netns", bridge);
                sh("ip", "-n", bridge, "link", "set", hostSide, "master", "br0", "up");
                sh("ip", "-n", ns, "link", "set", "lo", "up");
                // No duplicate address detection: a tentative link-local address cannot be bound yet.
                sh("ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv6.conf.eth0.accept_dad=0");
                sh("ip", "-n", ns, "addr", "add", SUBNET + i + "/24", "dev", "eth0");
                sh("ip", "-n", ns, "-6", "addr", "add", "fd77::" + i + "/64", "dev", "eth0", "nodad");
                sh("ip", "-n", ns, "link", "set", "eth0", "up");
            }
            built = true;
        } finally {
            if (!built) close();
        }
    }

    private String addNamespace(String suffix) throws IOException, InterruptedException {
        String ns = prefix + suffix;
        sh("ip", "netns", "add", ns);
        namespaces.add(ns);
        return ns;
    }

    /** The namespace of node {@code i} (1-based); its eth0 has 10.77.0.i. */
    String ns(int i) { return prefix + i; }

    /** Command prefix that runs a program inside node {@code i}. */
    List<String> in(int i) { return List.of("ip", "netns", "exec", ns(i)); }

    /** Whether node {@code i}'s eth0 carries {@code address} right now. */
    boolean hasAddress(int i, String address) throws IOException, InterruptedException {
        String out = output("ip", "-n", ns(i), "addr", "show", "dev", "eth0");
        return out.contains(" " + address + "/");
    }

    String mac(int i) throws IOException, InterruptedException {
        String out = output("ip", "-n", ns(i), "-o", "link", "show", "eth0");
        int at = out.indexOf("link/ether ");
        return out.substring(at + 11, at + 28);
    }

    /** Which nodes among 1..n carry {@code address}. */
    List<Integer> holders(String address, int n) throws IOException, InterruptedException {
        List<Integer> out = new ArrayList<>();
        for (int i = 1; i <= n; i++) if (hasAddress(i, address)) out.add(i);
        return out;
    }

    /** Starts a background process inside node {@code i}, output to {@code log}; killed at {@link #close()}. */
    Process spawn(int i, Path log, String... command) throws IOException {
        List<String> cmd = new ArrayList<>(in(i));
        cmd.addAll(List.of(command));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        background.add(p);
        return p;
    }

    static void awaitTrue(String what, long timeoutMillis, Check check) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (System.nanoTime() < deadline) {
            if (check.holds()) return;
            Thread.sleep(100);
        }
        if (!check.holds()) fail("timed out after " + timeoutMillis + " ms waiting for: " + what);
    }

    /**
     * Skew_Time (reference keepalived.md §6.5): v2 (RFC 3768) (256 − priority)/256 s, v3 (RFC 5798)
     * (256 − priority) × advert_int / 256.
     */
    static long skewMillis(int version, int priority, long advertIntMillis) {
        return version == 2 ? (256 - priority) * 1000L / 256 : (256 - priority) * advertIntMillis / 256;
    }

    /** A backup of {@code priority} takes over from a crashed master (no priority-0 advert) within 3 × advert_int + skew + 1 s. */
    static long crashTakeoverBoundMillis(int version, int priority, long advertIntMillis) {
        return 3 * advertIntMillis + skewMillis(version, priority, advertIntMillis) + 1_000;
    }

    /** A backup of {@code priority} takes over from a master that left with a priority-0 advert within skew + 1 s. */
    static long leaveTakeoverBoundMillis(int version, int priority, long advertIntMillis) {
        return skewMillis(version, priority, advertIntMillis) + 1_000;
    }

    /**
     * Waits until {@code check} holds, failing unless it does within {@code boundMillis} of {@code sinceNanos}
     * (a {@link System#nanoTime()} taken before the event, e.g. the kill). Returns the milliseconds it took.
     */
    static long awaitWithin(String what, long sinceNanos, long boundMillis, Check check) throws Exception {
        long deadline = sinceNanos + TimeUnit.MILLISECONDS.toNanos(boundMillis);
        while (System.nanoTime() < deadline) {
            if (check.holds()) return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sinceNanos);
            Thread.sleep(20);
        }
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sinceNanos);
        fail(what + ": not within " + boundMillis + " ms of the event"
                + (check.holds() ? " (held after " + took + " ms)" : " (still not after " + took + " ms)"));
        return took;
    }

    /** Fails if {@code check} stops holding at any point during {@code millis}. */
    static void assertStaysTrue(String what, long millis, Check check) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (System.nanoTime() < deadline) {
            if (!check.holds()) fail("no longer true: " + what);
            Thread.sleep(200);
        }
    }

    interface Check { boolean holds() throws Exception; }

    static String output(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        return out;
    }

    static void sh(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        for (Process p : background) {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        // Deleting a namespace kills nothing by itself, but its veths and addresses go with it.
        for (int i = namespaces.size() - 1; i >= 0; i--) {
            new ProcessBuilder("ip", "netns", "del", namespaces.get(i)).redirectErrorStream(true).start().waitFor(30, TimeUnit.SECONDS);
        }
        namespaces.clear();
    }

}

package dev.jvs.os;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A veth pair with unique names, up, without addresses; removed on close. */
final class VethPair implements AutoCloseable {

    final String left;
    final String right;

    private VethPair(String left, String right) {
        this.left = left;
        this.right = right;
    }

    static boolean canCreate() {
        return isRoot() && Files.isExecutable(Path.of("/usr/sbin/ip")) || Files.isExecutable(Path.of("/sbin/ip"));
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    static VethPair create() throws IOException, InterruptedException {
        String base = "jt" + Long.toString(ProcessHandle.current().pid() % 100000, 36)
                + Long.toString(System.nanoTime() % 46656, 36);
        VethPair pair = new VethPair(base + "a", base + "b");
        run("ip", "link", "add", pair.left, "type", "veth", "peer", "name", pair.right);
        try {
            // no IPv6 on them: router solicitations and DAD would mingle with the test frames
            for (String name : List.of(pair.left, pair.right)) {
                Path sysctl = Path.of("/proc/sys/net/ipv6/conf", name, "disable_ipv6");
                if (Files.exists(sysctl)) Files.writeString(sysctl, "1");
                run("ip", "link", "set", name, "up");
            }
        } catch (IOException | RuntimeException e) {
            pair.close();
            throw e;
        }
        return pair;
    }

    static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("ip", "link", "del", left).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        p.waitFor(20, TimeUnit.SECONDS);
    }
}

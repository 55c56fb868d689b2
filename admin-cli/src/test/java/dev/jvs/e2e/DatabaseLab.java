package dev.jvs.e2e;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What the database failover drills share: a scratch directory, the shipped example installed as an operator
 * would (check scripts root-owned, credentials readable by the script user only, the config's parameters set),
 * and the director's table read back from {@code ipvsadm -Ln}.
 */
final class DatabaseLab {

    /** The script user of the drills: exists everywhere and owns nothing else of ours. */
    static final String SCRIPT_USER = "nobody";

    private DatabaseLab() {}

    /** Skips the test, saying why, unless we are root (script_user needs it) and every command is installed. */
    static void assumeRootAnd(String why, String... commands) {
        assumeTrue("root".equals(System.getProperty("user.name")),
                why + " skipped: needs root (the check scripts run as script_user " + SCRIPT_USER + ")");
        for (String command : commands) {
            assumeTrue(VrrpLab.hasCommand(command), why + " skipped: " + command + " is not installed");
        }
    }

    /** The command's path: from PATH, else /usr/sbin or /sbin (where Debian puts mariadbd, not always on PATH). */
    static String which(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, command))) return Path.of(dir, command).toString();
        }
        for (String dir : List.of("/usr/sbin", "/sbin")) {
            if (Files.isExecutable(Path.of(dir, command))) return Path.of(dir, command).toString();
        }
        return command;
    }

    /** Whether the system has this user (from /etc/passwd, as the director's script runner looks it up). */
    static boolean userExists(String name) throws IOException {
        return Files.readAllLines(Path.of("/etc/passwd")).stream().anyMatch(l -> l.startsWith(name + ":"));
    }

    /**
     * A scratch directory (mode 0755, so the servers' and the script user's accounts can reach into it), on
     * tmpfs when there is one: the databases fsync, and their start-up is most of the drill's time.
     */
    static Path scratch(String prefix) throws IOException {
        Path shm = Path.of("/dev/shm");
        Path parent = Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
        Path dir = Files.createTempDirectory(parent, prefix);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir;
    }

    static void delete(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) return;
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    /**
     * Installs {@code examples/NAME}'s check scripts into {@code DIR/checks} as the README says: owned by root,
     * mode 0755, byte for byte what ships. Returns that directory (the config's {@code $CHECKS}).
     */
    static Path installChecks(String example, Path dir, String... scripts) throws IOException {
        Path checks = Files.createDirectory(dir.resolve("checks"));
        Files.setPosixFilePermissions(checks, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (String script : scripts) {
            Path installed = Files.copy(DirectorProcess.HOME.resolve("examples").resolve(example).resolve(script),
                    checks.resolve(script));
            Files.setPosixFilePermissions(installed, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return checks;
    }

    /** Writes a secret readable by the script user only (owner, mode 0400), as the README says. */
    static Path secretFile(Path dir, String name, String text) throws IOException {
        Path file = Files.writeString(dir.resolve(name), text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--------"));
        UserPrincipal owner = file.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(SCRIPT_USER);
        Files.setOwner(file, owner);
        return file;
    }

    /**
     * {@code examples/NAME/keepalived.conf} with its {@code $NAME=value} parameter lines set to {@code values};
     * every one of them must be in the file, so a renamed parameter breaks the drill rather than going unused.
     */
    static Path config(String example, Path dir, Map<String, String> values) throws IOException {
        String text = Files.readString(DirectorProcess.HOME.resolve("examples").resolve(example).resolve("keepalived.conf"));
        for (Map.Entry<String, String> v : values.entrySet()) {
            Matcher line = Pattern.compile("(?m)^\\$" + v.getKey() + "=.*$").matcher(text);
            assertTrue(line.find(), example + "/keepalived.conf has no $" + v.getKey() + "= line");
            text = line.replaceFirst(Matcher.quoteReplacement("$" + v.getKey() + "=" + v.getValue()));
        }
        return Files.writeString(dir.resolve(example + ".conf"), text);
    }

    /** A port below the ephemeral range that is free on every one of these loopback addresses. */
    static int freePort(List<String> addresses) throws IOException {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = 20_000 + random.nextInt(12_000);
            List<ServerSocket> bound = new ArrayList<>();
            try {
                for (String a : addresses) {
                    ServerSocket s = new ServerSocket();
                    bound.add(s);
                    s.bind(new InetSocketAddress(InetAddress.getByName(a), port));
                }
                return port;
            } catch (IOException taken) {
                // try another
            } finally {
                for (ServerSocket s : bound) s.close();
            }
        }
        throw new IOException("no port free on all of " + addresses);
    }

    /** The real servers of each virtual service in an {@code ipvsadm -Ln} listing, by "VIP:port". */
    static Map<String, Set<String>> table(String listing) {
        Map<String, Set<String>> services = new LinkedHashMap<>();
        Set<String> current = null;
        for (String line : listing.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if ((f[0].equals("TCP") || f[0].equals("UDP")) && f.length >= 2) {
                current = new TreeSet<>();
                services.put(f[1], current);
            } else if (f[0].equals("->") && current != null && !f[1].equals("RemoteAddress:Port")) {
                current.add(f[1]);
            }
        }
        return services;
    }

    /** Polls {@code ipvsadm -Ln} until its table satisfies the condition; returns how long that took. */
    static Duration awaitTable(DirectorProcess director, String what, Duration limit,
                               Predicate<Map<String, Set<String>>> condition) throws Exception {
        long start = System.nanoTime();
        String last = "";
        while (System.nanoTime() - start < limit.toNanos()) {
            last = director.ok("-L", "-n");
            if (condition.test(table(last))) return Duration.ofNanos(System.nanoTime() - start);
            Thread.sleep(50);
        }
        fail(what + " within " + limit + "; last listing:\n" + last + "\nlog:\n" + director.log());
        return null;
    }

    /** Polls {@code ipvsadm -Ln} until its text satisfies the condition. */
    static void awaitListing(DirectorProcess director, String what, Duration limit, Predicate<String> condition) throws Exception {
        long start = System.nanoTime();
        String last = "";
        while (System.nanoTime() - start < limit.toNanos()) {
            last = director.ok("-L", "-n");
            if (condition.test(last)) return;
            Thread.sleep(50);
        }
        fail(what + " within " + limit + "; last listing:\n" + last + "\nlog:\n" + director.log());
    }

    /** How often the director's log has a line containing {@code text}. */
    static int logCount(DirectorProcess director, String text) throws IOException {
        return director.log().split(Pattern.quote(text), -1).length - 1;
    }

    /**
     * Waits until the director's log has {@code text} more often than {@code before} times: the health engine logs
     * each transition as it makes it, so this times a check's reaction without a CLI process per poll.
     */
    static void awaitLog(DirectorProcess director, String text, int before, Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (logCount(director, text) <= before) {
            if (System.nanoTime() > deadline) fail("no new '" + text + "' within " + limit + "; log:\n" + director.log());
            Thread.sleep(20);
        }
    }

    /** The health engine's log line for a real server leaving ({@code Removing}) or joining ({@code Adding}) a VS. */
    static String transition(String verb, String server, String vip, int port) {
        String preposition = switch (verb) {
            case "Adding" -> "to";
            case "Removing" -> "from";
            default -> "of";
        };
        String[] rs = server.split(":");
        return verb + " service [" + rs[0] + "]:tcp:" + rs[1] + " " + preposition + " VS [" + vip + "]:tcp:" + port;
    }

    /** Where a drill's time went, lap by lap, for its printed summary. */
    static final class Laps {
        private final StringBuilder text = new StringBuilder();
        private long last = System.nanoTime();

        void lap(String what) {
            long now = System.nanoTime();
            text.append(text.length() == 0 ? "" : ", ").append(what).append(' ').append(millis(last, now)).append(" ms");
            last = now;
        }

        @Override
        public String toString() {
            return text.toString();
        }
    }

    /** Milliseconds between two System.nanoTime() readings, for the printed figures. */
    static long millis(long fromNanos, long toNanos) {
        return Duration.ofNanos(toNanos - fromNanos).toMillis();
    }
}

package dev.jvs.healthcheck.script;

import dev.jvs.healthcheck.config.GlobalSettings;
import dev.jvs.healthcheck.config.ScriptDef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs keepalived scripts (MISC_CHECK, notify_up/notify_down, quorum_up/quorum_down) as their configured user,
 * with keepalived's script security: with {@code enable_script_security}, a script that would run as root and
 * that a non-root user could change (any component of its path) is refused.
 *
 * <p>Switching user needs root; it is done with {@code setpriv}, so no thread of the director changes identity.
 */
public final class ScriptRunner {

    private static final Logger log = LoggerFactory.getLogger(ScriptRunner.class);
    /** keepalived's default script user, used when it exists. */
    static final String DEFAULT_SCRIPT_USER = "keepalived_script";
    /** After SIGTERM at the timeout, SIGKILL follows this much later, as keepalived does. */
    static final Duration KILL_GRACE = Duration.ofSeconds(2);

    /** How a run ended: an exit status, or killed (by the timeout or a signal). */
    public record Outcome(int exitStatus, boolean timedOut) {
        public boolean killed() {
            return exitStatus < 0 || timedOut;
        }
    }

    /** A user resolved from /etc/passwd. */
    record Identity(String name, int uid, int gid) {}

    private final GlobalSettings globals;
    private final ScheduledExecutorService timer;
    private final int ownUid;

    public ScriptRunner(GlobalSettings globals, ScheduledExecutorService timer) {
        this.globals = globals;
        this.timer = timer;
        this.ownUid = currentUid();
    }

    /** Why this script cannot be run, or empty when it can (keepalived disables such scripts at load). */
    public Optional<String> refusal(ScriptDef script) {
        Path path = resolve(script.command().get(0));
        if (path == null || !Files.exists(path)) return Optional.of("script " + script.command().get(0) + " does not exist");
        if (!Files.isExecutable(path)) return Optional.of("script " + path + " is not executable");
        Identity runAs;
        try {
            runAs = runAs(script);
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
        int uid = runAs == null ? ownUid : runAs.uid;
        if (runAs != null && runAs.uid != ownUid && ownUid != 0) {
            return Optional.of("cannot run " + path + " as " + runAs.name + ": JVS is not running as root");
        }
        if (uid == 0) {
            Optional<String> unsafe = unsafeComponent(path);
            if (unsafe.isPresent()) {
                if (globals.enableScriptSecurity()) {
                    return Optional.of("unsafe permissions found for script " + path + ": " + unsafe.get());
                }
                log.warn("Unsafe permissions found for script {}: {} (refused when enable_script_security is set)", path, unsafe.get());
            }
        }
        return Optional.empty();
    }

    /**
     * Runs the script; the future completes with its exit status, or as timed out after SIGTERM (then SIGKILL
     * two seconds later) at {@code timeout}.
     */
    public CompletableFuture<Outcome> run(ScriptDef script, Duration timeout) {
        List<String> command = new ArrayList<>();
        Identity runAs;
        try {
            runAs = runAs(script);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(new Outcome(-1, false));
        }
        if (runAs != null && runAs.uid != ownUid) {
            command.addAll(List.of("setpriv", "--reuid=" + runAs.uid, "--regid=" + runAs.gid, "--init-groups", "--"));
        }
        command.addAll(script.command());
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        } catch (IOException e) {
            log.warn("cannot run {}: {}", script.text(), e.getMessage());
            return CompletableFuture.completedFuture(new Outcome(-1, false));
        }
        CompletableFuture<Outcome> outcome = new CompletableFuture<>();
        var term = timer.schedule(() -> {
            if (!process.isAlive()) return;
            outcome.complete(new Outcome(-1, true));
            process.descendants().forEach(ProcessHandle::destroy);
            process.destroy();
            timer.schedule(() -> {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }, KILL_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
        process.onExit().thenAccept(p -> {
            term.cancel(false);
            // 128+N may also mean "killed by signal N", but misc_dynamic gives 2..255 a meaning: taken as written.
            outcome.complete(new Outcome(p.exitValue(), false));
        });
        return outcome;
    }

    /** Runs a notify script and logs a failure; nobody waits for it. */
    public void notify(ScriptDef script, String why) {
        Optional<String> refused = refusal(script);
        if (refused.isPresent()) {
            log.warn("not running {} script: {}", why, refused.get());
            return;
        }
        run(script, Duration.ofSeconds(30)).thenAccept(o -> {
            if (o.exitStatus() != 0) log.warn("{} script {} {}", why, script.text(),
                    o.timedOut() ? "timed out" : "exited with status " + o.exitStatus());
        });
    }

    /** The identity the script runs as; null = as the director itself. */
    private Identity runAs(ScriptDef script) {
        Optional<String> user = script.user().or(globals::scriptUser);
        Optional<String> group = script.user().isPresent() ? script.group() : script.group().or(globals::scriptGroup);
        if (user.isEmpty()) {
            Identity fallback = lookup(DEFAULT_SCRIPT_USER);
            if (fallback == null && globals.enableScriptSecurity()) {
                throw new IllegalArgumentException("enable_script_security is set but no script_user is configured and user "
                        + DEFAULT_SCRIPT_USER + " does not exist");
            }
            return fallback;
        }
        Identity identity = lookup(user.get());
        if (identity == null) throw new IllegalArgumentException("unknown script user " + user.get());
        if (group.isPresent()) {
            Integer gid = groupId(group.get());
            if (gid == null) throw new IllegalArgumentException("unknown script group " + group.get());
            identity = new Identity(identity.name, identity.uid, gid);
        }
        return identity;
    }

    static Identity lookup(String user) {
        for (String line : lines(Path.of("/etc/passwd"))) {
            String[] f = line.split(":");
            if (f.length > 3 && (f[0].equals(user) || f[2].equals(user))) {
                return new Identity(f[0], Integer.parseInt(f[2]), Integer.parseInt(f[3]));
            }
        }
        return null;
    }

    static Integer groupId(String group) {
        for (String line : lines(Path.of("/etc/group"))) {
            String[] f = line.split(":");
            if (f.length > 2 && (f[0].equals(group) || f[2].equals(group))) return Integer.parseInt(f[2]);
        }
        return null;
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            return List.of();
        }
    }

    private static int currentUid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | UnsupportedOperationException e) {
            return -1;
        }
    }

    /** The script's path: as given when it has a slash, else found on PATH. */
    static Path resolve(String name) {
        if (name.contains("/")) return Path.of(name).toAbsolutePath();
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) return candidate;
        }
        return null;
    }

    /**
     * keepalived's check, on each component from / to the file (not following links): unsafe when not owned by
     * root, or writable by a non-root group or by others (directories with the sticky bit excepted).
     */
    static Optional<String> unsafeComponent(Path script) {
        Path current = script.getRoot();
        List<Path> components = new ArrayList<>();
        components.add(current);
        for (Path part : script) {
            current = current.resolve(part);
            components.add(current);
        }
        for (Path p : components) {
            try {
                Map<String, Object> a = Files.readAttributes(p, "unix:uid,gid,mode", LinkOption.NOFOLLOW_LINKS);
                int uid = (Integer) a.get("uid");
                int gid = (Integer) a.get("gid");
                int mode = (Integer) a.get("mode");
                boolean sticky = (mode & 01000) != 0 && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS);
                if (uid != 0) return Optional.of(p + " is owned by uid " + uid);
                if (!sticky && (mode & 0020) != 0 && gid != 0) return Optional.of(p + " is writable by group " + gid);
                if (!sticky && (mode & 0002) != 0) return Optional.of(p + " is writable by everyone");
            } catch (IOException | UnsupportedOperationException e) {
                return Optional.of("cannot check " + p + ": " + e.getMessage());
            }
        }
        return Optional.empty();
    }

}

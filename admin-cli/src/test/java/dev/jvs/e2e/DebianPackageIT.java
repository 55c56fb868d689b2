package dev.jvs.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Debian package, for real on this machine: built with packaging/deb/build-deb.sh, installed with apt-get, the
 * director started as its unit would start it (through systemd when systemd runs here, else its ExecStart line as
 * the jvs user with the unit's ambient capabilities and a NOTIFY_SOCKET), driven with the packaged ipvsadm, then
 * removed (only the conffile left) and purged (nothing left).
 */
class DebianPackageIT {

    @TempDir
    Path dir;

    @Test
    void installRunRemovePurge() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "skipped: installing a package needs root");
        for (String tool : List.of("dpkg-deb", "apt-get", "setpriv", "python3")) {
            assumeTrue(run(List.of("sh", "-c", "command -v " + tool)).status() == 0, "skipped: no " + tool);
        }
        assumeTrue(run(List.of("dpkg", "-s", "jvs")).status() != 0, "skipped: a jvs package is installed already");
        boolean debianIpvsadm = Files.exists(Path.of("/usr/sbin/ipvsadm")) || Files.exists(Path.of("/sbin/ipvsadm"));

        Result built = run(List.of(DirectorProcess.HOME.resolve("packaging/deb/build-deb.sh").toString(), "0.1.0-test",
                dir.toString()));
        assertEquals(0, built.status(), built.out());
        Path deb = Path.of(built.out().strip());
        try {
            Result install = run(List.of("apt-get", "install", "-y", "--no-install-recommends", deb.toString()),
                    Map.of("DEBIAN_FRONTEND", "noninteractive"));
            assertEquals(0, install.status(), install.out());
            assertTrue(Files.isExecutable(Path.of("/usr/sbin/jvs-director")));
            assertTrue(run(List.of("getent", "passwd", "jvs")).status() == 0, "the package's system user");
            String unit = Files.readString(Path.of("/lib/systemd/system/jvs-director.service"));
            for (String line : List.of("Type=notify", "User=jvs", "StateDirectory=jvs", "RuntimeDirectory=jvs",
                    "ExecReload=/bin/kill -HUP $MAINPID",
                    "AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW CAP_NET_BIND_SERVICE")) {
                assertTrue(unit.contains("\n" + line + "\n"), line + " in\n" + unit);
            }
            assertTrue(Files.readString(Path.of("/etc/jvs/jvs.conf")).startsWith("# /etc/jvs/jvs.conf"));
            Path archive = Path.of("/var/cache/jvs/ipvsadm.jsa");
            assertTrue(Files.size(archive) > 0, "postinst built the CLI's archive");
            // As when a JDK package changes files under /usr/lib/jvm: the file trigger builds the archive again.
            Files.delete(archive);
            Result triggered = run(List.of("sh", "-c",
                    "dpkg-trigger --no-await /usr/lib/jvm && dpkg --triggers-only jvs"));
            assertEquals(0, triggered.status(), triggered.out());
            assertTrue(Files.size(archive) > 0, "the JDK trigger rebuilt the CLI's archive");
            String ipvsadm = "/usr/sbin/jvs-ipvsadm";
            if (!debianIpvsadm) {
                assertEquals("/usr/sbin/jvs-ipvsadm", Path.of("/usr/sbin/ipvsadm").toRealPath().toString());
                assertEquals("/usr/sbin/jvs-ipvsadm-restore", Path.of("/usr/sbin/ipvsadm-restore").toRealPath().toString());
                ipvsadm = "/usr/sbin/ipvsadm";
            }

            runDirector(unit, ipvsadm);

            Result remove = run(List.of("apt-get", "remove", "-y", "jvs"), Map.of("DEBIAN_FRONTEND", "noninteractive"));
            assertEquals(0, remove.status(), remove.out());
            for (String gone : List.of("/usr/share/jvs", "/usr/sbin/jvs-director", "/usr/sbin/jvs-ipvsadm",
                    "/var/cache/jvs", "/lib/systemd/system/jvs-director.service")) {
                assertFalse(Files.exists(Path.of(gone)), gone + " is removed");
            }
            if (!debianIpvsadm) assertFalse(Files.exists(Path.of("/usr/sbin/ipvsadm"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
            assertTrue(Files.exists(Path.of("/etc/jvs/jvs.conf")), "remove keeps the conffile");

            Result purge = run(List.of("apt-get", "purge", "-y", "jvs"), Map.of("DEBIAN_FRONTEND", "noninteractive"));
            assertEquals(0, purge.status(), purge.out());
            for (String gone : List.of("/etc/jvs", "/var/lib/jvs", "/var/cache/jvs")) {
                assertFalse(Files.exists(Path.of(gone)), gone + " is purged");
            }
            assertTrue(run(List.of("dpkg", "-s", "jvs")).status() != 0);
        } finally {
            run(List.of("apt-get", "purge", "-y", "jvs"), Map.of("DEBIAN_FRONTEND", "noninteractive"));
        }
    }

    /** Starts the packaged director as the unit does, drives it with the packaged CLI, stops it. */
    private void runDirector(String unit, String ipvsadm) throws Exception {
        if (Files.isDirectory(Path.of("/run/systemd/system"))) {
            assertEquals(0, run(List.of("systemctl", "start", "jvs-director")).status()); // Type=notify: waits for READY
            try {
                useCli(ipvsadm);
            } finally {
                assertEquals(0, run(List.of("systemctl", "stop", "jvs-director")).status());
            }
            return;
        }
        // No systemd here: the unit's ExecStart, as its user, with its capabilities and directories.
        String execStart = unit.lines().filter(l -> l.startsWith("ExecStart=")).findFirst().orElseThrow()
                .substring("ExecStart=".length()).replace("$JVS_DIRECTOR_OPTS", "").strip();
        Path runtime = Path.of("/run/jvs");
        assertFalse(Files.exists(runtime.resolve("jvs.sock")), "no other director on the default socket");
        run(List.of("install", "-d", "-o", "jvs", "-g", "jvs", "-m", "0755", runtime.toString()));
        Path notify = dir.resolve("notify");
        Path notifyLog = dir.resolve("notify.log");
        Process systemd = new ProcessBuilder("python3", "-c", """
                import socket, sys
                s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                s.bind(sys.argv[1])
                print("bound", flush=True)
                while True:
                    print(s.recv(4096).decode().replace("\\n", " ").strip(), flush=True)
                """, notify.toString()).redirectErrorStream(true).redirectOutput(notifyLog.toFile()).start();
        Process director = null;
        try {
            awaitLog(notifyLog, "bound");
            run(List.of("chmod", "0777", dir.toString(), notify.toString()));
            List<String> command = new ArrayList<>(List.of("setpriv", "--reuid=jvs", "--regid=jvs", "--init-groups",
                    "--inh-caps=+net_admin,+net_raw,+net_bind_service",
                    "--ambient-caps=+net_admin,+net_raw,+net_bind_service", "--"));
            command.addAll(List.of(execStart.split("\\s+")));
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("director.log").toFile());
            pb.environment().put("NOTIFY_SOCKET", notify.toString());
            director = pb.start();
            awaitLog(notifyLog, "READY=1");
            useCli(ipvsadm);
            director.destroy(); // SIGTERM, as systemctl stop
            assertTrue(director.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, director.exitValue(), Files.readString(dir.resolve("director.log")));
            awaitLog(notifyLog, "STOPPING=1");
            assertTrue(Files.readString(Path.of("/var/lib/jvs/state.rules")).contains("-A -t 127.0.0.1:18480"),
                    "the director, as user jvs, saved its table in its StateDirectory");
        } finally {
            if (director != null && director.isAlive()) director.destroyForcibly().waitFor();
            systemd.destroy();
            run(List.of("rm", "-rf", runtime.toString()));
        }
    }

    private void useCli(String ipvsadm) throws Exception {
        assertEquals(0, run(List.of(ipvsadm, "-A", "-t", "127.0.0.1:18480", "-s", "rr")).status());
        assertEquals(0, run(List.of(ipvsadm, "-a", "-t", "127.0.0.1:18480", "-r", "127.0.0.1:18481", "-m", "-w", "2")).status());
        Result list = run(List.of(ipvsadm, "-Ln"));
        assertEquals(0, list.status(), list.out());
        assertTrue(list.out().matches("(?s).*\nTCP  127\\.0\\.0\\.1:18480 rr\n  -> 127\\.0\\.0\\.1:18481 +Masq +2 .*"),
                list.out());
        // The packaged CLI maps the archive postinst built (the class path it recorded is the launcher's), quietly.
        Path classes = dir.resolve("cli-classes.log");
        Result logged = run(List.of(ipvsadm, "-Ln"),
                Map.of("JVS_CLI_JAVA_OPTS", "-Xlog:class+load=info:file=" + classes));
        assertEquals(list.out(), logged.out());
        String loaded = Files.readString(classes);
        assertTrue(loaded.contains("dev.jvs.cli.Ipvsadm source: shared objects file"), loaded);
        assertFalse(loaded.contains("source: file:"), loaded);
        Result save = run(List.of(ipvsadm + "-save", "-n"));
        assertTrue(save.out().contains("-a -t 127.0.0.1:18480 -r 127.0.0.1:18481 -m -w 2"), save.out());
    }

    private static void awaitLog(Path file, String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (Files.exists(file) && Files.readString(file).contains(text)) return;
            Thread.sleep(50);
        }
        fail("never saw " + text + " in " + file + ":\n" + (Files.exists(file) ? Files.readString(file) : ""));
    }

    record Result(int status, String out) {}

    private Result run(List<String> command) throws IOException, InterruptedException {
        return run(command, Map.of());
    }

    private Result run(List<String> command, Map<String, String> env) throws IOException, InterruptedException {
        Path out = Files.createTempFile(dir, "cmd", ".out");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().putAll(env);
        pb.environment().remove("JVS_SOCKET");
        Process p = pb.start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(String.join(" ", command) + " did not finish");
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    }
}

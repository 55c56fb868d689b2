package dev.jvs.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The class-data-sharing archive built at package time is the one bin/ipvsadm maps, for a whole call to a
 * director: the classes come from it rather than from the jars, and an archive that does not match (another JDK
 * build) is skipped without a word. The start-up figures are in bench/cli_startup.sh, not here.
 */
class CliArchiveIT {

    private static final Path ARCHIVE = DirectorProcess.HOME.resolve("admin-cli/target/ipvsadm.jsa");

    /** What one bin/ipvsadm run printed, and the classes it loaded (the JVM's class+load log). */
    private record Call(int status, String out, String err, String classes) {}

    @Test
    void aCallToTheDirectorLoadsItsClassesFromTheArchive(@TempDir Path dir) throws Exception {
        assertTrue(Files.exists(ARCHIVE), "mvn package builds admin-cli/target/ipvsadm.jsa");
        try (DirectorProcess director = DirectorProcess.start(dir)) {
            director.ok("-A", "-t", "10.0.0.1:80", "-s", "wrr");
            director.ok("-a", "-t", "10.0.0.1:80", "-r", "10.0.0.2:80", "-m", "-w", "3");
            Call with = ipvsadm(dir, director.socket(), "1", null, "-Ln");
            assertEquals(0, with.status(), with.err());
            assertEquals("", with.err());
            assertTrue(with.classes().contains("dev.jvs.cli.Ipvsadm source: shared objects file"), with.classes());
            assertTrue(with.classes().contains("sun.nio.ch.UnixDomainSockets source: shared objects file"),
                    with.classes());
            // The training covers the whole call: no class read from a jar (each costs a jar lookup and a bytecode
            // check), none of Netty (the CLI speaks over the JDK's own Unix socket channel), and no search of the
            // jars and modules for a selector provider (dev.jvs.cli.StartUp names the JDK's own).
            assertFalse(with.classes().contains("source: file:"), with.classes());
            assertFalse(with.classes().contains("io.netty"), with.classes());
            assertFalse(with.classes().contains("java.util.ServiceLoader "), with.classes());

            Call without = ipvsadm(dir, director.socket(), "0", null, "-Ln");
            assertTrue(without.classes().contains("dev.jvs.cli.Ipvsadm source: file:"),
                    "JVS_CLI_CDS=0 runs without it:\n" + without.classes());
            assertEquals(without.out(), with.out());
            assertTrue(with.out().contains("  -> 10.0.0.2:80                  Masq    3      0          0"),
                    with.out());
        }
    }

    @Test
    void anArchiveFromAnotherJdkBuildIsSkippedSilently(@TempDir Path dir) throws Exception {
        // The archive as another build of this JDK would find it: the JVM's identity in its header differs.
        byte[] archive = Files.readAllBytes(ARCHIVE);
        byte[] vm = System.getProperty("java.vm.name").getBytes(StandardCharsets.US_ASCII);
        int at = indexOf(archive, vm, 64 * 1024);
        assumeTrue(at >= 0, "skipped: this JDK's archive header does not name "
                + new String(vm, StandardCharsets.US_ASCII));
        archive[at + vm.length + 2] ^= 0x01; // inside the version after the name
        Path foreign = Files.write(dir.resolve("foreign.jsa"), archive);

        Call call = ipvsadm(dir, dir.resolve("no-director.sock"), "1", "-XX:SharedArchiveFile=" + foreign, "-v");
        assertEquals(0, call.status(), call.err());
        assertTrue(call.out().startsWith("ipvsadm v"), call.out());
        assertEquals(1, call.out().lines().count(), call.out());
        assertEquals("", call.err(), "no warning about the archive");
        assertTrue(call.classes().contains("dev.jvs.cli.Ipvsadm source: file:"), "the archive is not used:\n"
                + call.classes());
    }

    /** bin/ipvsadm ARGS with JVS_CLI_CDS={@code cds}, class loading logged to a file, {@code javaOpts} added. */
    private static Call ipvsadm(Path dir, Path socket, String cds, String javaOpts, String... args) throws Exception {
        Path classes = Files.createTempFile(dir, "classes", ".log");
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        List<String> command = new ArrayList<>();
        command.add(DirectorProcess.HOME.resolve("bin/ipvsadm").toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("JVS_SOCKET", socket.toString());
        pb.environment().put("JVS_CLI_CDS", cds);
        pb.environment().put("JVS_CLI_JAVA_OPTS", "-Xlog:class+load=info:file=" + classes
                + (javaOpts == null ? "" : " " + javaOpts));
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Call(p.exitValue(), Files.readString(out), Files.readString(err), Files.readString(classes));
    }

    private static int indexOf(byte[] haystack, byte[] needle, int limit) {
        for (int i = 0; i + needle.length <= Math.min(haystack.length, limit); i++) {
            int j = 0;
            while (j < needle.length && haystack[i + j] == needle[j]) j++;
            if (j == needle.length) return i;
        }
        return -1;
    }
}

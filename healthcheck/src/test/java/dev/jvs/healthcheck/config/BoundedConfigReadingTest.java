package dev.jvs.healthcheck.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hostile or mistaken configuration input ends in a message naming file:line, quickly and in bounded memory. */
class BoundedConfigReadingTest {

    @TempDir
    Path dir;

    private static final Duration QUICKLY = Duration.ofSeconds(10);

    private List<String> messages(Path file) {
        return assertTimeoutPreemptively(QUICKLY,
                () -> ConfigReader.read(file, "host").problems().stream().map(ConfigProblem::toString).toList());
    }

    private Path conf(String text) throws Exception {
        return Files.writeString(dir.resolve("keepalived.conf"), text);
    }

    @Test
    void devicesAreSkippedWithKeepalivedsWarning() throws Exception {
        Path file = conf("include /dev/zero\ninclude /dev/urandom\nglobal_defs {\n router_id a\n}\n");
        assertEquals(List.of(
                file + ":1: warning: Configuration file '/dev/zero' is not a regular non-executable file - skipping",
                file + ":2: warning: Configuration file '/dev/urandom' is not a regular non-executable file - skipping"),
                messages(file));
    }

    @Test
    void aDirectoryAFifoAndAnExecutableAreSkippedToo() throws Exception {
        Path sub = Files.createDirectory(dir.resolve("sub"));
        Path fifo = dir.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        Path script = Files.writeString(dir.resolve("script.conf"), "global_defs {\n}\n");
        script.toFile().setExecutable(true);
        Path file = conf("include " + sub + "\ninclude " + fifo + "\ninclude " + script + "\n");
        assertEquals(List.of(
                file + ":1: warning: Configuration file '" + sub + "/' is a directory - skipping",
                file + ":2: warning: Configuration file '" + fifo + "' is not a regular non-executable file - skipping",
                file + ":3: warning: Configuration file '" + script + "' is not a regular non-executable file - skipping"),
                messages(file));
    }

    @Test
    void aMissingIncludeIsAWarningAsKeepalivedGivesOneAndAnEmptyGlobIsQuiet() throws Exception {
        Path file = conf("include missing.conf\ninclude nothing-*.conf\n");
        assertEquals(List.of(file + ":1: warning: Config files missing '" + dir.resolve("missing.conf") + "'."),
                messages(file));
    }

    @Test
    void filesLargerThanTheLimitInAllAreRefusedAtTheirInclude() throws Exception {
        Path big = dir.resolve("big.conf");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(ConfigReader.MAX_TOTAL_BYTES); // sparse: no disk used
        }
        Path file = conf("global_defs {\n}\ninclude big.conf\n");
        assertEquals(List.of(file + ":3: error: configuration too large: " + big
                + " takes the files read past 16 MiB in all; not read"), messages(file));
    }

    @Test
    void aTwelveLineParameterBombIsRefusedAtItsLine() throws Exception {
        StringBuilder bomb = new StringBuilder("$P0=xxxxxxxxxx\n");
        for (int i = 1; i <= 10; i++) {
            bomb.append("$P").append(i).append('=').append(("$P" + (i - 1) + " ").repeat(10).strip()).append('\n');
        }
        bomb.append("router_id $P10\n"); // 10^11 characters if expanded
        Path file = conf(bomb.toString());
        assertEquals(List.of(file + ":12: error: parameter expansion makes this line longer than 65536 characters"
                + " (nested $NAME definitions?); line ignored"), messages(file));
    }

    @Test
    void anUnbalancedBraceNeverNamesNull() throws Exception {
        Path file = conf("{\nglobal_defs {\n");
        List<String> messages = messages(file);
        assertTrue(messages.stream().noneMatch(m -> m.contains("null")), messages.toString());
        assertEquals(List.of(
                file + ":1: error: missing keyword before '{': block ignored",
                file + ":2: error: missing '}' at end of configuration: block 'global_defs' opened here is never closed",
                file + ":1: error: missing '}' at end of configuration: the '{' opened here is never closed"), messages);
    }

    @Test
    void aFileThatIsNotUtf8IsReadAsLatin1AndTheTopLevelMustBeARegularFile() throws Exception {
        Path latin1 = Files.write(dir.resolve("latin1.conf"), "global_defs {\n router_id caf\u00e9\n}\n".getBytes("ISO-8859-1"));
        ConfigReader.Result read = ConfigReader.read(latin1, "host");
        assertEquals(List.of(), read.problems());
        assertEquals("caf\u00e9", read.roots().get(0).child("router_id").orElseThrow().args().get(0));
        List<String> device = messages(Path.of("/dev/zero"));
        assertEquals(List.of("/dev/zero:0: error: configuration file /dev/zero is not a regular file"), device);
        assertFalse(device.get(0).contains("null"));
    }
}

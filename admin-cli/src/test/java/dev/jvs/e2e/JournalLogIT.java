package dev.jvs.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real director with its stderr as the stream JOURNAL_STREAM names: journald's line format. */
class JournalLogIT {

    @TempDir
    Path dir;

    @Test
    void underJournalStreamLinesCarryPrioritiesAndNoTimestamp() throws Exception {
        Path log = Files.createFile(dir.resolve("director.log")); // the director's stderr (same inode)
        String stream = Files.getAttribute(log, "unix:dev") + ":" + Files.getAttribute(log, "unix:ino");
        // a state file it can no longer write (its directory removed while it runs): one error line, the director
        // carries on
        Path stateDir = Files.createDirectory(dir.resolve("state"));
        try (DirectorProcess director = DirectorProcess.startWith(dir, List.of("env", "JOURNAL_STREAM=" + stream),
                "--state", stateDir.resolve("state.rules").toString())) {
            Files.delete(stateDir.resolve("state.rules"));
            for (Path left : Files.list(stateDir).toList()) Files.delete(left); // the lock file beside it
            Files.delete(stateDir);
            director.ok("-A", "-t", "127.0.0.1:" + Ports.free(), "-s", "rr");
            director.awaitLog("cannot write state file");
            director.ok("-Ln");
        }
        String text = Files.readString(log);
        assertTrue(text.lines().anyMatch(l -> l.startsWith("<6>INFO Director - jvs-director ready")), text);
        assertTrue(text.lines().anyMatch(l -> l.startsWith("<3>ERROR Director - cannot write state file")), text);
        assertTrue(text.lines().noneMatch(l -> l.matches("(<\\d>)?\\d{4}-\\d\\d-\\d\\d .*")), "no own timestamps:\n" + text);
    }

    @Test
    void elsewhereLinesAreUnchanged() throws Exception {
        try (DirectorProcess director = DirectorProcess.startWith(dir, List.of("env", "JOURNAL_STREAM=1:1"))) {
            String text = director.log();
            assertTrue(text.lines().anyMatch(l -> l.matches("\\d{4}-\\d\\d-\\d\\d \\S+ INFO Director - jvs-director ready")),
                    text);
        }
    }
}

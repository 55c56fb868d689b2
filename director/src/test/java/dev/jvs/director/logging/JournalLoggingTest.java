package dev.jvs.director.logging;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JournalLoggingTest {

    @TempDir
    Path dir;

    @Test
    void levelsBecomeSyslogPrioritiesAndStackTracesKeepTheirRecordsPriority() {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(new JournalLogging.PriorityPrefixes(sink), true, StandardCharsets.UTF_8);
        err.println("ERROR HealthEngine - reload failed");
        new IllegalStateException("boom", new RuntimeException("cause")).printStackTrace(err);
        err.println("WARN HealthEngine - Removing service [127.0.0.1]:tcp:80 from VS x (refused)");
        err.println("INFO Director - transport epoll");
        err.println("DEBUG SyncBackup - receiving");
        err.println("TRACE x - y");
        err.println("jvs-director: --conn-tab-bits must be between 8 and 20");
        err.println("JVS demo is running");
        err.print("INFO partial ");
        err.print("line\n");
        String[] lines = sink.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals("<3>ERROR HealthEngine - reload failed", lines[0]);
        assertEquals("<3>java.lang.IllegalStateException: boom", lines[1], "printStackTrace's first line follows the record");
        assertTrue(lines[2].startsWith("<3>\tat dev.jvs.director.logging.JournalLoggingTest"), lines[2]);
        int caused = 3;
        while (!lines[caused].contains("Caused by")) caused++;
        assertEquals("<3>Caused by: java.lang.RuntimeException: cause", lines[caused]);
        int next = caused;
        while (!lines[next].contains("WARN")) next++;
        assertEquals("<4>WARN HealthEngine - Removing service [127.0.0.1]:tcp:80 from VS x (refused)", lines[next]);
        assertEquals("<6>INFO Director - transport epoll", lines[next + 1]);
        assertEquals("<7>DEBUG SyncBackup - receiving", lines[next + 2]);
        assertEquals("<7>TRACE x - y", lines[next + 3]);
        assertEquals("<3>jvs-director: --conn-tab-bits must be between 8 and 20", lines[next + 4]);
        assertEquals("JVS demo is running", lines[next + 5], "other lines pass unchanged");
        assertEquals("<6>INFO partial line", lines[next + 6], "one line written in pieces gets one prefix");
    }

    @Test
    void onlyTheStreamJournalStreamNamesCounts() throws Exception {
        Path stream = Files.createFile(dir.resolve("stderr"));
        String id = Files.getAttribute(stream, "unix:dev") + ":" + Files.getAttribute(stream, "unix:ino");
        assertTrue(JournalLogging.isJournal(id, stream));
        Path other = Files.createFile(dir.resolve("terminal"));
        assertFalse(JournalLogging.isJournal(id, other), "inherited JOURNAL_STREAM, stderr elsewhere");
        assertFalse(JournalLogging.isJournal(null, stream));
        assertFalse(JournalLogging.isJournal("garbage", stream));
        assertFalse(JournalLogging.isJournal("1:x", stream));
    }
}

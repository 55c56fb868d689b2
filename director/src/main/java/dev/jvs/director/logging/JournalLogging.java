package dev.jvs.director.logging;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Logs that fit journald. When the director's stderr is the journal stream systemd names in
 * {@code $JOURNAL_STREAM} ({@code device:inode} of that stream, so an inherited variable with stderr on a terminal
 * or a file does not count), lines lose their own timestamp (the journal stamps each line) and gain the syslog
 * priority prefix journald reads ({@code <3>} error, {@code <4>} warning, {@code <6>} info, {@code <7>} debug), so
 * {@code journalctl -p err} works. Anywhere else nothing changes.
 */
public final class JournalLogging {

    private JournalLogging() {
    }

    /** Call before the first logger is created (slf4j-simple reads its settings then). */
    public static void configure() {
        if (!isJournal(System.getenv("JOURNAL_STREAM"), Path.of("/proc/self/fd/2"))) return;
        System.setProperty("org.slf4j.simpleLogger.showDateTime", "false");
        System.setErr(new PrintStream(new PriorityPrefixes(System.err), true, StandardCharsets.UTF_8));
    }

    /** True when {@code journalStream} ("dev:inode") names the file behind {@code stderr}. */
    static boolean isJournal(String journalStream, Path stderr) {
        if (journalStream == null || journalStream.indexOf(':') < 0) return false;
        try {
            long dev = ((Number) Files.getAttribute(stderr, "unix:dev")).longValue();
            long ino = ((Number) Files.getAttribute(stderr, "unix:ino")).longValue();
            String[] parts = journalStream.split(":", 2);
            return Long.parseLong(parts[0]) == dev && Long.parseLong(parts[1]) == ino;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Prefixes each line with the priority of its slf4j-simple level ({@code ERROR ...}); the lines of a stack
     * trace that follows take their record's priority; the director's own fatal messages ({@code jvs-director: ...})
     * are errors; any other line passes unchanged (journald files it as info).
     */
    static final class PriorityPrefixes extends OutputStream {
        /** The first line of a printed stack trace: a qualified class name, then ": message" or the end. */
        private static final java.util.regex.Pattern EXCEPTION =
                java.util.regex.Pattern.compile("[A-Za-z_$][\\w$]*(\\.[A-Za-z_$][\\w$]*)+(: |\\R|$)");
        private final OutputStream out;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        private String lastPriority = null;

        PriorityPrefixes(OutputStream out) {
            this.out = out;
        }

        @Override
        public synchronized void write(int b) throws IOException {
            line.write(b);
            if (b == '\n') emit();
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws IOException {
            for (int i = off; i < off + len; i++) write(b[i]);
        }

        @Override
        public synchronized void flush() throws IOException {
            out.flush();
        }

        private void emit() throws IOException {
            String text = line.toString(StandardCharsets.UTF_8);
            line.reset();
            String priority = priority(text);
            if (priority != null) out.write(priority.getBytes(StandardCharsets.US_ASCII));
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        private String priority(String text) {
            String level = text.startsWith("ERROR ") ? "<3>" : text.startsWith("WARN ") ? "<4>"
                    : text.startsWith("INFO ") ? "<6>" : text.startsWith("DEBUG ") || text.startsWith("TRACE ") ? "<7>"
                    : null;
            if (level != null) {
                lastPriority = level;
                return level;
            }
            if (lastPriority != null && (text.startsWith("\t") || text.startsWith("Caused by: ")
                    || text.startsWith("Suppressed: ") || text.startsWith(" ") || EXCEPTION.matcher(text).lookingAt())) {
                return lastPriority;
            }
            lastPriority = null;
            return text.startsWith("jvs-director: ") ? "<3>" : null;
        }
    }
}

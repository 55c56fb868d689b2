package dev.jvs.control;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;

/**
 * What the director answers: the exit status and the exact stdout/stderr text the CLI must print.
 *
 * <p>Wire format: {@code status N} on the first line, then every stdout line prefixed with {@code 1} and
 * every stderr line prefixed with {@code 2}. Output text always ends with a newline (as ipvsadm's does).
 */
public record ControlReply(int status, String stdout, String stderr) {

    public static ControlReply ok(String stdout) { return new ControlReply(0, stdout, ""); }

    public static ControlReply error(int status, String message) { return new ControlReply(status, "", message + "\n"); }

    public void write(Writer out) throws IOException {
        out.write("status " + status + "\n");
        writeLines(out, '1', stdout);
        writeLines(out, '2', stderr);
        out.flush();
    }

    private static void writeLines(Writer out, char prefix, String text) throws IOException {
        if (text.isEmpty()) return;
        int start = 0;
        while (start < text.length()) {
            int nl = text.indexOf('\n', start);
            int end = nl < 0 ? text.length() : nl;
            out.write(prefix);
            out.write(text, start, end - start);
            out.write('\n');
            start = end + 1;
        }
    }

    public static ControlReply read(BufferedReader in) throws IOException {
        String first = in.readLine();
        if (first == null || !first.startsWith("status ")) throw new IOException("no reply from the director");
        int status = Integer.parseInt(first.substring(7).trim());
        StringBuilder out = new StringBuilder();
        StringBuilder err = new StringBuilder();
        for (String line; (line = in.readLine()) != null; ) {
            if (line.isEmpty()) continue;
            (line.charAt(0) == '1' ? out : err).append(line, 1, line.length()).append('\n');
        }
        return new ControlReply(status, out.toString(), err.toString());
    }
}

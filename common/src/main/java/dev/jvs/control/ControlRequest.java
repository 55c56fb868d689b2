package dev.jvs.control;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What the CLI sends: one or more ipvsadm command lines (already checked by the CLI with the same grammar)
 * to be applied as one batch.
 *
 * <p>Wire format, UTF-8 text, the client half-closes after the last line:
 * <pre>
 * jvs1 TAB prog TAB batch|single
 * lineNumber TAB token TAB token ...     (one line per command)
 * </pre>
 * Tokens never contain tabs or newlines: ipvsadm's grammar has no such values.
 *
 * @param prog  argv[0] of the CLI, used in ipvsadm's usage messages
 * @param batch true for {@code -R}: errors name the line, nothing is applied unless all lines are valid
 */
public record ControlRequest(String prog, boolean batch, List<Line> lines) {

    static final String MAGIC = "jvs1";

    /** One command line of the request; {@code number} is its line in the restore input (1 for a single command). */
    public record Line(int number, List<String> args) {
        public Line {
            args = List.copyOf(args);
        }
    }

    public ControlRequest {
        lines = List.copyOf(lines);
    }

    public static ControlRequest single(String prog, List<String> args) {
        return new ControlRequest(prog, false, List.of(new Line(1, args)));
    }

    public void write(Writer out) throws IOException {
        out.write(MAGIC + "\t" + clean(prog) + "\t" + (batch ? "batch" : "single") + "\n");
        for (Line line : lines) {
            StringBuilder sb = new StringBuilder().append(line.number());
            for (String arg : line.args()) sb.append('\t').append(clean(arg));
            out.write(sb.append('\n').toString());
        }
        out.flush();
    }

    public static ControlRequest read(BufferedReader in) throws IOException {
        String header = in.readLine();
        if (header == null) throw new IOException("empty control request");
        String[] h = header.split("\t", -1);
        if (h.length != 3 || !h[0].equals(MAGIC)) throw new IOException("not a JVS control request");
        List<Line> lines = new ArrayList<>();
        for (String text; (text = in.readLine()) != null; ) {
            String[] parts = text.split("\t", -1);
            try {
                lines.add(new Line(Integer.parseInt(parts[0]), Arrays.asList(parts).subList(1, parts.length)));
            } catch (NumberFormatException e) {
                throw new IOException("malformed control request line");
            }
        }
        return new ControlRequest(h[1], h[2].equals("batch"), lines);
    }

    private static String clean(String token) {
        if (token.indexOf('\t') >= 0 || token.indexOf('\n') >= 0 || token.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("argument contains a tab or newline");
        }
        return token;
    }
}

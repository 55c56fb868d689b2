package dev.jvs.ipvsadm;

import dev.jvs.control.ControlRequest.Line;
import dev.jvs.model.Command;
import dev.jvs.model.CommandKind;
import dev.jvs.model.IpvsadmException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code ipvsadm -R} input: one command per line, tokens separated by space, tab, CR or LF, no quoting; the
 * word {@code ipvsadm} is dropped wherever it appears, and blank lines are skipped. {@code #} comments are not
 * supported (ipvsadm's own {@code -R} rejects them; only the ipvsadm-restore script strips them).
 */
public final class RestoreInput {

    private RestoreInput() {
    }

    /** The non-empty lines of the input as token lists, with their 1-based line numbers. */
    public static List<Line> split(String text) {
        List<Line> lines = new ArrayList<>();
        String[] rawLines = text.split("\n", -1);
        for (int i = 0; i < rawLines.length; i++) {
            List<String> tokens = new ArrayList<>();
            for (String token : rawLines[i].split("[ \t\r]+")) {
                if (!token.isEmpty() && !token.equals("ipvsadm")) tokens.add(token);
            }
            if (!tokens.isEmpty()) lines.add(new Line(i + 1, tokens));
        }
        return lines;
    }

    /** Parses every line; the first error is thrown with its line named ({@code line N: ...}). */
    public static List<Command> parseAll(String prog, List<Line> lines) throws IpvsadmException {
        return parseAll(prog, lines, ServicesDatabase.system());
    }

    static List<Command> parseAll(String prog, List<Line> lines, ServicesDatabase services) throws IpvsadmException {
        List<Command> commands = new ArrayList<>();
        for (Line line : lines) {
            String prefix = "line " + line.number() + ": ";
            if (line.args().get(0).startsWith("#")) throw IpvsadmParser.usageHint(prog).prefixed(prefix);
            Command command;
            try {
                command = IpvsadmParser.parse(prog, line.args(), services);
            } catch (IpvsadmException e) {
                throw e.prefixed(prefix);
            }
            if (NOT_IN_RESTORE.contains(command.kind())) throw IpvsadmParser.usageHint(prog).prefixed(prefix);
            commands.add(command);
        }
        return commands;
    }

    /** A nested -R, or help/version, makes no sense inside restore input: ipvsadm answers with the usage hint. */
    private static final List<CommandKind> NOT_IN_RESTORE =
            Arrays.asList(CommandKind.RESTORE, CommandKind.HELP, CommandKind.VERSION);
}

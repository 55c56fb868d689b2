package dev.jvs.healthcheck.config;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The lexical layer of keepalived.conf: comments, quoting, line continuation, includes with globs,
 * {@code @id} conditional lines, {@code $NAME=value} parameters, and the block structure. The result is a
 * tree of {@link ConfigNode}s for every section; meaning is given to it elsewhere.
 */
public final class ConfigReader {

    private static final Pattern MACRO_DEFINITION = Pattern.compile("^\\$([A-Za-z_][A-Za-z0-9_]*)=(.*)$");
    private static final Pattern MACRO_USE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}|\\$([A-Za-z_][A-Za-z0-9_]*)(?=\\s|$)");
    private static final int MAX_INCLUDE_DEPTH = 32;
    /** Bounds that keep a wrong include or a parameter bomb from exhausting memory (keepalived has none). */
    static final long MAX_TOTAL_BYTES = 16 << 20;
    static final int MAX_EXPANDED_LINE = 64 << 10;
    static final int MAX_FILES_READ = 1024;

    private final List<ConfigProblem> problems = new ArrayList<>();
    private final Map<String, String> parameters = new HashMap<>();
    private final String configId;
    private final Deque<Frame> stack = new ArrayDeque<>();
    private int includeDepth;
    private long bytesRead;
    private int filesRead;
    /** The files being read, outermost first: including one of them again is a loop. */
    private final Deque<Path> reading = new ArrayDeque<>();

    /** A block being read: its opening line and the children seen so far. Keyword null for a stray '{'. */
    private static final class Frame {
        final String keyword;
        final List<String> args;
        final Location location;
        final List<ConfigNode> children = new ArrayList<>();

        Frame(String keyword, List<String> args, Location location) {
            this.keyword = keyword;
            this.args = args;
            this.location = location;
        }
    }

    /** A word of a line with whether it was a structural, unquoted brace. */
    private record Token(String text, boolean brace) {}

    private ConfigReader(String configId) {
        this.configId = configId;
    }

    /** The tree of {@code file} and everything it includes, plus the problems met on the way. */
    public static Result read(Path file) {
        return read(file, defaultConfigId());
    }

    public static Result read(Path file, String configId) {
        ConfigReader reader = new ConfigReader(configId);
        reader.stack.push(new Frame("<root>", List.of(), new Location(file, 0)));
        if (!Files.isReadable(file)) {
            reader.error(new Location(file, 0), "cannot read configuration file " + file);
        } else if (!Files.isRegularFile(file)) {
            reader.error(new Location(file, 0), "configuration file " + file + " is not a regular file");
        } else {
            reader.readFile(file, new Location(file, 0));
        }
        return reader.finish();
    }

    /**
     * The tree of configuration {@code text} held in memory, read exactly as a file would be; messages name it
     * {@code name}, and relative includes resolve against the working directory.
     */
    public static Result read(String text, String name) {
        ConfigReader reader = new ConfigReader(defaultConfigId());
        Path file = Path.of(name);
        reader.stack.push(new Frame("<root>", List.of(), new Location(file, 0)));
        reader.readLines(text.lines().toList(), file);
        return reader.finish();
    }

    private Result finish() {
        while (stack.size() > 1) {
            Frame open = stack.peek();
            error(open.location, "missing '}' at end of configuration: "
                    + (open.keyword == null ? "the '{'" : "block '" + open.keyword + "'") + " opened here is never closed");
            closeBlock();
        }
        return new Result(stack.pop().children, problems);
    }

    /** The parsed tree and the lexical problems. */
    public record Result(List<ConfigNode> roots, List<ConfigProblem> problems) {}

    /** keepalived's default config-id: the first component of the host name (looked up once, as keepalived does). */
    static String defaultConfigId() {
        return DefaultConfigId.VALUE;
    }

    private static final class DefaultConfigId {
        static final String VALUE = lookUp();
    }

    private static String lookUp() {
        try {
            String host = InetAddress.getLocalHost().getHostName();
            int dot = host.indexOf('.');
            return dot < 0 ? host : host.substring(0, dot);
        } catch (IOException e) {
            return "localhost";
        }
    }

    /** Reads {@code file} unless it would take the total past {@link #MAX_TOTAL_BYTES}; then the error is at {@code where}. */
    private void readFile(Path file, Location where) {
        Path absolute = file.toAbsolutePath().normalize();
        if (reading.contains(absolute)) {
            error(where, "include loop: " + file + " is already being read; not read again");
            return;
        }
        if (++filesRead > MAX_FILES_READ) {
            error(where, "more than " + MAX_FILES_READ + " configuration files read; " + file + " not read");
            return;
        }
        List<String> lines;
        try {
            byte[] bytes;
            try (var in = Files.newInputStream(file)) {
                bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, MAX_TOTAL_BYTES - bytesRead + 1));
            }
            bytesRead += bytes.length;
            if (bytesRead > MAX_TOTAL_BYTES) {
                error(where, "configuration too large: " + file + " takes the files read past "
                        + (MAX_TOTAL_BYTES >> 20) + " MiB in all; not read");
                return;
            }
            lines = textLines(bytes);
        } catch (IOException e) {
            error(new Location(file, 0), "cannot read " + file + ": " + e.getMessage());
            return;
        }
        reading.push(absolute);
        readLines(lines, file);
        reading.pop();
    }

    private void readLines(List<String> lines, Path file) {
        StringBuilder joined = new StringBuilder();
        int startLine = 0;
        for (int i = 0; i < lines.size(); i++) {
            String raw = lines.get(i);
            if (joined.isEmpty()) startLine = i + 1;
            String text = decomment(raw).strip();
            if (text.endsWith("\\") && !text.endsWith("\\\\")) {
                // A trailing backslash continues the logical line on the next one.
                joined.append(text, 0, text.length() - 1).append(' ');
                continue;
            }
            joined.append(text);
            String line = joined.toString().strip();
            joined.setLength(0);
            if (!line.isEmpty()) readLine(line, new Location(file, startLine));
        }
        if (!joined.isEmpty()) readLine(joined.toString().strip(), new Location(file, startLine));
    }

    /** UTF-8, or Latin-1 for a file that is not UTF-8 (every byte is a character there). */
    private static List<String> textLines(byte[] bytes) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            text = new String(bytes, StandardCharsets.ISO_8859_1);
        }
        return text.lines().toList();
    }

    private void readLine(String line, Location where) {
        String first = firstWord(line);
        // Includes are resolved before conditionals and parameters, as keepalived does.
        if (first.matches("include[rmwba]?")) {
            include(first, line.substring(first.length()).strip(), where);
            return;
        }
        if (line.startsWith("@")) {
            boolean negate = line.startsWith("@^");
            String id = firstWord(line.substring(negate ? 2 : 1));
            boolean matches = id.equals(configId);
            if (matches == negate) return;
            line = line.substring((negate ? 2 : 1) + id.length()).strip();
            if (line.isEmpty()) return;
        }
        Matcher definition = MACRO_DEFINITION.matcher(line);
        if (definition.matches()) {
            parameters.put(definition.group(1), definition.group(2).strip());
            return;
        }
        if (line.startsWith("~SEQ") || line.startsWith("~LST")) {
            warning(where, "'" + firstWord(line) + "' generators are not supported by JVS; line ignored");
            return;
        }
        try {
            line = expandParameters(line, 0);
        } catch (IllegalArgumentException e) {
            error(where, e.getMessage());
            return;
        }
        List<Token> tokens;
        try {
            tokens = tokenize(line);
        } catch (IllegalArgumentException e) {
            error(where, e.getMessage());
            return;
        }
        List<String> statement = new ArrayList<>();
        for (Token token : tokens) {
            if (!token.brace) {
                statement.add(token.text);
            } else if (token.text.equals("{")) {
                openBlock(statement, where);
                statement = new ArrayList<>();
            } else {
                finishStatement(statement, where);
                statement = new ArrayList<>();
                if (stack.size() == 1) {
                    error(where, "extra '}' found");
                } else {
                    closeBlock();
                }
            }
        }
        finishStatement(statement, where);
    }

    private String expandParameters(String line, int depth) {
        if (depth > 10 || line.indexOf('$') < 0) return line;
        Matcher use = MACRO_USE.matcher(line);
        StringBuilder out = new StringBuilder();
        boolean changed = false;
        while (use.find()) {
            String name = use.group(1) != null ? use.group(1) : use.group(2);
            String value = parameters.get(name);
            if (value == null) {
                use.appendReplacement(out, Matcher.quoteReplacement(use.group()));
            } else {
                if (out.length() + value.length() > MAX_EXPANDED_LINE) {
                    throw new IllegalArgumentException("parameter expansion makes this line longer than "
                            + MAX_EXPANDED_LINE + " characters (nested $NAME definitions?); line ignored");
                }
                use.appendReplacement(out, Matcher.quoteReplacement(value));
                changed = true;
            }
        }
        use.appendTail(out);
        return changed ? expandParameters(out.toString(), depth + 1) : line;
    }

    private void finishStatement(List<String> words, Location where) {
        if (words.isEmpty()) return;
        stack.peek().children.add(new ConfigNode(words.get(0), words.subList(1, words.size()), List.of(), false, where));
    }

    private void openBlock(List<String> words, Location where) {
        Frame current = stack.peek();
        if (!words.isEmpty()) {
            stack.push(new Frame(words.get(0), List.copyOf(words.subList(1, words.size())), where));
            return;
        }
        // '{' alone on a line opens the block of the keyword on the line before.
        if (!current.children.isEmpty() && !current.children.get(current.children.size() - 1).block()) {
            ConfigNode previous = current.children.remove(current.children.size() - 1);
            stack.push(new Frame(previous.keyword(), previous.args(), previous.location()));
            return;
        }
        error(where, "missing keyword before '{': block ignored");
        stack.push(new Frame(null, List.of(), where));
    }

    private void closeBlock() {
        Frame done = stack.pop();
        if (done.keyword != null) {
            stack.peek().children.add(new ConfigNode(done.keyword, done.args, done.children, true, done.location));
        }
    }

    // ---------------------------------------------------------------- includes

    private void include(String kind, String pattern, Location where) {
        // Not tokenized: braces here are csh brace expressions, not blocks.
        String name = pattern.length() >= 2 && (pattern.startsWith("\"") && pattern.endsWith("\"")
                || pattern.startsWith("'") && pattern.endsWith("'")) ? pattern.substring(1, pattern.length() - 1) : pattern;
        List<String> words = name.isEmpty() ? List.of() : List.of(name);
        if (words.isEmpty()) {
            error(where, "'" + kind + "' needs a file name");
            return;
        }
        if (includeDepth >= MAX_INCLUDE_DEPTH) {
            error(where, "includes nested more than " + MAX_INCLUDE_DEPTH + " deep (an include loop?)");
            return;
        }
        Path base = where.file().toAbsolutePath().getParent();
        List<Path> files;
        try {
            files = expandGlob(base, words.get(0));
        } catch (IllegalArgumentException e) { // a malformed glob, or a NUL in the name
            error(where, kind + " " + words.get(0) + ": not a valid file name or pattern");
            return;
        }
        boolean strict = !kind.equals("include");
        if (files.isEmpty()) {
            // Plain include only warns about a missing file (as keepalived does); a glob matching nothing is quiet.
            if (strict) error(where, kind + " " + words.get(0) + ": no such file");
            else if (!hasGlob(words.get(0))) warning(where, "Config files missing '" + base.resolve(words.get(0)).normalize() + "'.");
            return;
        }
        for (Path file : files) {
            if (Files.isDirectory(file)) {
                warning(where, "Configuration file '" + file + "/' is a directory - skipping");
                continue;
            }
            if (!Files.isRegularFile(file) || executable(file)) {
                // keepalived's rule: devices, FIFOs and executables are never read as configuration.
                warning(where, "Configuration file '" + file + "' is not a regular non-executable file - skipping");
                continue;
            }
            if (!Files.isReadable(file)) {
                if (strict) error(where, kind + " " + file + ": not readable");
                continue;
            }
            includeDepth++;
            readFile(file, where);
            includeDepth--;
        }
    }

    private static boolean executable(Path file) {
        try {
            var mode = Files.getPosixFilePermissions(file);
            return mode.contains(java.nio.file.attribute.PosixFilePermission.OWNER_EXECUTE)
                    || mode.contains(java.nio.file.attribute.PosixFilePermission.GROUP_EXECUTE)
                    || mode.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE);
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** Files matching a glob (with csh braces), relative to {@code base}, in sorted order as glob(3) gives. */
    static List<Path> expandGlob(Path base, String pattern) {
        Path path = base.resolve(pattern).normalize();
        if (!hasGlob(path.toString())) return Files.exists(path) ? List.of(path) : List.of();
        // Walk from the deepest directory without wildcards, as deep as the pattern has components.
        Path root = path.getRoot();
        Path fixed = root;
        int index = 0;
        for (; index < path.getNameCount(); index++) {
            if (hasGlob(path.getName(index).toString())) break;
            fixed = fixed.resolve(path.getName(index));
        }
        int depth = path.getNameCount() - index;
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + path.toString().replace("\\", "\\\\"));
        Path start = fixed;
        if (!Files.isDirectory(start)) return List.of();
        try (Stream<Path> walk = Files.walk(start, depth)) {
            return walk.filter(p -> !p.equals(start) && Files.isRegularFile(p) && matcher.matches(p)).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static boolean hasGlob(String text) {
        return text.chars().anyMatch(c -> c == '*' || c == '?' || c == '[' || c == '{');
    }

    // ---------------------------------------------------------------- lexing

    /** The line without its comment: '#' or '!' outside quotes, unless escaped with a backslash. */
    static String decomment(String line) {
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\') {
                i++;
            } else if (quote != 0) {
                if (c == quote) quote = 0;
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == '#' || c == '!') {
                return line.substring(0, i);
            }
        }
        return line;
    }

    /** Splits a line into words: quotes group and are removed, adjacent parts join, braces stand alone. */
    private static List<Token> tokenize(String line) {
        List<Token> tokens = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < line.length()) {
                i = unescape(line, i + 1, word);
                inWord = true;
            } else if (quote != 0) {
                if (c == quote) quote = 0;
                else word.append(c);
            } else if (c == '"' || c == '\'') {
                quote = c;
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) tokens.add(new Token(word.toString(), false));
                word.setLength(0);
                inWord = false;
            } else if (c == '{' || c == '}') {
                if (inWord) tokens.add(new Token(word.toString(), false));
                word.setLength(0);
                inWord = false;
                tokens.add(new Token(String.valueOf(c), true));
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (quote != 0) throw new IllegalArgumentException("unterminated " + quote + " quote");
        if (inWord) tokens.add(new Token(word.toString(), false));
        return tokens;
    }

    /** Appends the escape starting at {@code at} (after the backslash); returns the index of its last char. */
    private static int unescape(String line, int at, StringBuilder out) {
        char c = line.charAt(at);
        switch (c) {
            case 'a' -> out.append('\007');
            case 'b' -> out.append('\b');
            case 'E' -> out.append('\033');
            case 'f' -> out.append('\f');
            case 'n' -> out.append('\n');
            case 'r' -> out.append('\r');
            case 't' -> out.append('\t');
            case 'v' -> out.append('\013');
            case 'x' -> {
                int end = at + 1;
                while (end < line.length() && end < at + 3 && Character.digit(line.charAt(end), 16) >= 0) end++;
                if (end == at + 1) {
                    out.append('x');
                    return at;
                }
                out.append((char) Integer.parseInt(line.substring(at + 1, end), 16));
                return end - 1;
            }
            case 'c' -> {
                if (at + 1 < line.length()) {
                    out.append((char) (Character.toUpperCase(line.charAt(at + 1)) ^ 0x40));
                    return at + 1;
                }
                out.append('c');
            }
            default -> {
                if (c >= '0' && c <= '7') {
                    int end = at;
                    while (end < line.length() && end < at + 3 && line.charAt(end) >= '0' && line.charAt(end) <= '7') end++;
                    out.append((char) Integer.parseInt(line.substring(at, end), 8));
                    return end - 1;
                }
                out.append(c); // \# \! \" \\ and anything else: the character itself
            }
        }
        return at;
    }

    private static String firstWord(String line) {
        int end = 0;
        while (end < line.length() && !Character.isWhitespace(line.charAt(end)) && line.charAt(end) != '{') end++;
        return line.substring(0, end);
    }

    private void error(Location where, String message) {
        problems.add(new ConfigProblem(ConfigProblem.Severity.ERROR, where, message));
    }

    private void warning(Location where, String message) {
        problems.add(new ConfigProblem(ConfigProblem.Severity.WARNING, where, message));
    }
}

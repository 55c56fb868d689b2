package dev.jvs.healthcheck.config;

import java.io.ByteArrayOutputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The value parsers of a keepalived.conf, shared by the LVS and the VRRP side: timers in keepalived's units,
 * booleans, scripts with arguments, addresses, ranges of addresses, ports and bounded integers. A bad value is
 * a {@link ConfigException} naming the line it is on.
 */
public final class ConfigValues {

    private ConfigValues() {}

    /** Argument {@code index} of the line, or an error saying the keyword needs a value. */
    public static String required(ConfigNode n, int index) throws ConfigException {
        if (index < n.args().size()) return n.args().get(index);
        throw ConfigException.at(n, n.keyword() + " needs a value");
    }

    /** keepalived TIMER: seconds, fractions allowed, microsecond resolution, at most a year. */
    public static Duration timer(ConfigNode n, String text) throws ConfigException {
        double seconds;
        try {
            seconds = Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw ConfigException.at(n, "invalid time '" + text + "'");
        }
        if (seconds < 0 || Double.isNaN(seconds) || seconds > 365L * 24 * 3600) {
            throw ConfigException.at(n, "time '" + text + "' is out of range");
        }
        return Duration.ofNanos(Math.round(seconds * 1_000_000) * 1000);
    }

    /** The line's first argument as a timer. */
    public static Duration timer(ConfigNode n) throws ConfigException {
        return timer(n, required(n, 0));
    }

    /** A timer that must not be zero ({@code delay_loop}, {@code connect_timeout}, ...). */
    public static Duration positiveTimer(ConfigNode n) throws ConfigException {
        Duration d = timer(n);
        if (d.isZero()) throw ConfigException.at(n, n.keyword() + " must be greater than 0");
        return d;
    }

    /** The line's first argument as a timer, in whole milliseconds. */
    public static long millis(ConfigNode n) throws ConfigException {
        return timer(n).toMillis();
    }

    /** {@code on|off|true|false|yes|no}; a keyword given alone means {@code bare}. */
    public static boolean bool(ConfigNode n, boolean bare) throws ConfigException {
        if (n.args().isEmpty()) return bare;
        return switch (n.args().get(0).toLowerCase(Locale.ROOT)) {
            case "on", "true", "yes" -> true;
            case "off", "false", "no" -> false;
            default -> throw ConfigException.at(n, "invalid boolean '" + n.args().get(0) + "' for " + n.keyword()
                    + " (on|off|true|false|yes|no)");
        };
    }

    /** A decimal integer in {@code min..max}; {@code what} names it in the message. */
    public static int integer(ConfigNode n, String text, int min, int max, String what) throws ConfigException {
        long value;
        try {
            value = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw ConfigException.at(n, "invalid " + what + " '" + text + "'");
        }
        if (value < min || value > max) {
            throw ConfigException.at(n, what + " " + text + " is out of range " + min + ".." + max);
        }
        return (int) value;
    }

    /** The line's first argument as an integer in {@code min..max}, named after the keyword. */
    public static int integer(ConfigNode n, int min, int max) throws ConfigException {
        return integer(n, required(n, 0), min, max, n.keyword());
    }

    public static int port(ConfigNode n, String text) throws ConfigException {
        return integer(n, text, 0, 65535, "port");
    }

    /** Argument {@code index} as a port, or {@code fallback} when the line has no such argument. */
    public static int port(ConfigNode n, int index, int fallback) throws ConfigException {
        return index < n.args().size() ? port(n, n.args().get(index)) : fallback;
    }

    /** A literal IPv4 (dotted quad) or IPv6 address: a configuration never waits on DNS. */
    public static InetAddress address(ConfigNode n, String text) throws ConfigException {
        if (!text.matches("[0-9.]+") && !text.contains(":")) {
            throw ConfigException.at(n, "invalid IP address '" + text + "'");
        }
        try {
            InetAddress a = InetAddress.getByName(text);
            if (a instanceof Inet4Address && !text.matches("\\d{1,3}(\\.\\d{1,3}){3}")) throw new UnknownHostException();
            return a;
        } catch (UnknownHostException e) {
            throw ConfigException.at(n, "invalid IP address '" + text + "'");
        }
    }

    /**
     * A {@code virtual_server_group} entry: {@code a.b.c.X-Y} or {@code a:b::X-Y} (the last part of the address
     * counts up to Y, as keepalived reads it), {@code a.b.c.d/nn} (at most /22) or a single address.
     */
    public static List<InetAddress> addressRange(ConfigNode n, String text) throws ConfigException {
        int dash = text.lastIndexOf('-');
        int slash = text.indexOf('/');
        boolean v6 = text.indexOf(':') >= 0;
        if (dash > 0 && ((!v6 && text.indexOf('.') > 0 && text.indexOf('.', dash) < 0)
                || (v6 && text.indexOf(':', dash) < 0))) {
            InetAddress first = address(n, text.substring(0, dash));
            byte[] bytes = first.getAddress();
            int last = bytes.length - (v6 ? 2 : 1);
            int from = v6 ? ((bytes[last] & 0xff) << 8) | (bytes[last + 1] & 0xff) : bytes[last] & 0xff;
            int to;
            try {
                to = v6 ? Integer.parseInt(text.substring(dash + 1), 16) : Integer.parseInt(text.substring(dash + 1));
            } catch (NumberFormatException e) {
                throw ConfigException.at(n, "invalid address range " + text);
            }
            if (to < from || to > (v6 ? 0xffff : 255)) throw ConfigException.at(n, "invalid address range " + text);
            List<InetAddress> all = new ArrayList<>();
            for (int i = from; i <= to; i++) {
                if (v6) {
                    bytes[last] = (byte) (i >> 8);
                    bytes[last + 1] = (byte) i;
                } else {
                    bytes[last] = (byte) i;
                }
                all.add(byAddress(n, bytes));
            }
            return all;
        }
        if (slash > 0 && !v6) {
            InetAddress base = address(n, text.substring(0, slash));
            int bits = integer(n, text.substring(slash + 1), 0, 32, "prefix length");
            if (bits < 22) throw ConfigException.at(n, "prefix " + text + " is too wide (at most /22)");
            long start = Integer.toUnsignedLong(ByteBuffer.wrap(base.getAddress()).getInt()) & (0xFFFFFFFFL << (32 - bits));
            List<InetAddress> all = new ArrayList<>();
            for (long i = 0; i < (1L << (32 - bits)); i++) {
                all.add(byAddress(n, ByteBuffer.allocate(4).putInt((int) (start + i)).array()));
            }
            return all;
        }
        return List.of(address(n, text));
    }

    private static InetAddress byAddress(ConfigNode n, byte[] bytes) throws ConfigException {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw ConfigException.at(n, e.getMessage());
        }
    }

    /** Splits a script's command line into argv as keepalived does: no shell, quotes group words. */
    public static List<String> argv(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) {
                if (c == quote) quote = 0;
                else word.append(c);
            } else if (c == '"' || c == '\'') {
                quote = c;
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) words.add(word.toString());
                word.setLength(0);
                inWord = false;
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (inWord) words.add(word.toString());
        return words;
    }

    /** A script line ({@code notify_up}, {@code misc_path}, ...): the command with its arguments, then USER [GROUP] or USER:GROUP. */
    public static ScriptDef script(ConfigNode n) throws ConfigException {
        List<String> argv = argv(required(n, 0));
        if (argv.isEmpty()) throw ConfigException.at(n, n.keyword() + " needs a script");
        Optional<String> user = n.arg(1);
        Optional<String> group = n.arg(2);
        if (user.isPresent() && user.get().contains(":")) {
            String u = user.get();
            user = Optional.of(u.substring(0, u.indexOf(':')));
            group = Optional.of(u.substring(u.indexOf(':') + 1));
        }
        return new ScriptDef(argv, user, group, n.location());
    }

    /**
     * Whether a script's program exists and may be executed: an absolute path, or a name found on PATH.
     * keepalived disables a check script it cannot find rather than refusing the file.
     */
    public static boolean runnable(List<String> argv) {
        if (argv.isEmpty()) return false;
        String program = argv.get(0);
        if (program.contains("/")) return Files.isRegularFile(Path.of(program)) && Files.isExecutable(Path.of(program));
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(":")) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) return true;
        }
        return false;
    }

    /** keepalived's loose hex: groups separated by spaces, read two digits at a time. */
    public static byte[] hex(ConfigNode n, List<String> groups) throws ConfigException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String g : groups) {
            for (int i = 0; i < g.length(); i += 2) {
                String pair = g.substring(i, Math.min(g.length(), i + 2));
                try {
                    out.write(Integer.parseInt(pair, 16));
                } catch (NumberFormatException e) {
                    throw ConfigException.at(n, "invalid hex '" + g + "'");
                }
            }
        }
        return out.toByteArray();
    }

    /** As {@link #hex}, but kept as nibble text with 'X' wildcards (upper-case, two characters a byte). */
    public static String hexPattern(ConfigNode n, List<String> groups) throws ConfigException {
        StringBuilder out = new StringBuilder();
        for (String g : groups) {
            String u = g.toUpperCase(Locale.ROOT);
            if (!u.matches("[0-9A-FX]+")) throw ConfigException.at(n, "invalid hex '" + g + "'");
            for (int i = 0; i < u.length(); i += 2) {
                out.append(i + 1 < u.length() ? u.substring(i, i + 2) : "0" + u.charAt(i));
            }
        }
        return out.toString();
    }
}

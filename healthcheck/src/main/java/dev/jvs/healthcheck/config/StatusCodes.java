package dev.jvs.healthcheck.config;

import java.util.BitSet;

/** The HTTP status codes a url accepts ({@code status_code 200 301-302}); keepalived's default is 200-299. */
public final class StatusCodes {

    public static final int MIN = 100;
    public static final int MAX = 599;
    public static final StatusCodes DEFAULT = range(200, 299);

    private final BitSet codes;
    private final String text;

    private StatusCodes(BitSet codes, String text) {
        this.codes = codes;
        this.text = text;
    }

    public static StatusCodes range(int from, int to) {
        BitSet set = new BitSet();
        set.set(from, to + 1);
        return new StatusCodes(set, from + "-" + to);
    }

    /** Parses {@code 200 301-302 503}; throws IllegalArgumentException naming the bad item. */
    public static StatusCodes parse(Iterable<String> items) {
        BitSet set = new BitSet();
        StringBuilder text = new StringBuilder();
        for (String item : items) {
            for (String part : item.split(",")) {
                if (part.isEmpty()) continue;
                int dash = part.indexOf('-');
                int from = code(dash < 0 ? part : part.substring(0, dash));
                int to = dash < 0 ? from : code(part.substring(dash + 1));
                if (to < from) throw new IllegalArgumentException("status code range " + part + " is backwards");
                set.set(from, to + 1);
                if (!text.isEmpty()) text.append(' ');
                text.append(part);
            }
        }
        if (set.isEmpty()) throw new IllegalArgumentException("status_code needs at least one code");
        return new StatusCodes(set, text.toString());
    }

    private static int code(String text) {
        int code;
        try {
            code = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid status code '" + text + "'");
        }
        if (code < MIN || code > MAX) {
            throw new IllegalArgumentException("status code " + code + " is outside " + MIN + ".." + MAX);
        }
        return code;
    }

    public boolean accepts(int status) {
        return status >= MIN && status <= MAX && codes.get(status);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StatusCodes other && codes.equals(other.codes);
    }

    @Override
    public int hashCode() {
        return codes.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }
}

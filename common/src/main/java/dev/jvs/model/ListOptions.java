package dev.jvs.model;

/** Output modifiers of {@code -L} / {@code -S}. */
public record ListOptions(boolean numeric, boolean connections, boolean timeout, boolean daemon,
                          boolean stats, boolean rate, boolean exact, boolean thresholds,
                          boolean persistentConn, boolean tunInfo, boolean nosort) {

    public static final ListOptions NUMERIC = new ListOptions(true, false, false, false, false, false,
            false, false, false, false, false);
    public static final ListOptions DEFAULT = new ListOptions(false, false, false, false, false, false,
            false, false, false, false, false);
}

package dev.jvs.model;

import java.util.Objects;

/**
 * How {@code -L} prints: names or numbers, which columns, exact numbers, sorted or not.
 *
 * @param columns the counters shown beside each row; ipvsadm takes the first of {@code --stats}, {@code --rate},
 *                {@code --thresholds}, {@code --persistent-conn}, {@code --tun-info} that is given
 */
public record ListOptions(boolean numeric, Columns columns, boolean exact, boolean nosort) {

    /** The counters a listing shows. */
    public enum Columns { CONNECTIONS, STATS, RATE, THRESHOLDS, PERSISTENT_CONN, TUN_INFO }

    public static final ListOptions NUMERIC = new ListOptions(true, Columns.CONNECTIONS, false, false);
    public static final ListOptions DEFAULT = new ListOptions(false, Columns.CONNECTIONS, false, false);

    public ListOptions {
        Objects.requireNonNull(columns, "columns");
    }
}

package dev.jvs.healthcheck;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * The outcome of one check: whether the real server counts as up, and a reason
 * worded for an operator's log (for example {@code connection refused by 10.0.0.2:80}).
 *
 * @param weight the weight a MISC_CHECK with misc_dynamic asks for (its exit status − 2); empty otherwise
 */
public record CheckResult(boolean up, String reason, OptionalInt weight) {

    public CheckResult {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(weight, "weight");
    }

    public CheckResult(boolean up, String reason) {
        this(up, reason, OptionalInt.empty());
    }

    public static CheckResult up(String reason) {
        return new CheckResult(true, reason);
    }

    public static CheckResult down(String reason) {
        return new CheckResult(false, reason);
    }

    /** Up, with a dynamic weight (MISC_CHECK misc_dynamic). */
    public static CheckResult upWithWeight(String reason, int weight) {
        return new CheckResult(true, reason, OptionalInt.of(weight));
    }
}

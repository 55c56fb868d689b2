package dev.jvs.healthcheck;

import java.util.Objects;

/**
 * The outcome of one check: whether the real server counts as up, and a reason
 * worded for an operator's log (for example {@code connection refused by 10.0.0.2:80}).
 */
public record CheckResult(boolean up, String reason) {

    public CheckResult {
        Objects.requireNonNull(reason, "reason");
    }

    public static CheckResult up(String reason) {
        return new CheckResult(true, reason);
    }

    public static CheckResult down(String reason) {
        return new CheckResult(false, reason);
    }
}

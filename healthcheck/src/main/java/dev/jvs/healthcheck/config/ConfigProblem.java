package dev.jvs.healthcheck.config;

/** A message about the configuration, tied to the line it concerns. Errors make {@code --config-test} fail. */
public record ConfigProblem(Severity severity, Location location, String message) {

    public enum Severity { WARNING, ERROR }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    @Override
    public String toString() {
        String where = location == null ? "" : location + ": ";
        return where + (isError() ? "error: " : "warning: ") + message;
    }
}

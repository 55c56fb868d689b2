package dev.jvs.healthcheck.config;

/** A message about the configuration, tied to the line it concerns. Errors make {@code --config-test} fail. */
public record ConfigProblem(Severity severity, Location location, String message) {

    /** NOTE: said, but changes nothing keepalived -t would report (its exit status stays 0). */
    public enum Severity { NOTE, WARNING, ERROR }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    public boolean isNote() {
        return severity == Severity.NOTE;
    }

    @Override
    public String toString() {
        String where = location == null ? "" : location + ": ";
        return where + switch (severity) {
            case ERROR -> "error: ";
            case WARNING -> "warning: ";
            case NOTE -> "note: ";
        } + message;
    }
}

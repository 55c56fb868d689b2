package dev.jvs.healthcheck.config;

import java.nio.file.Path;

/** Where a configuration line came from, printed as {@code file:line} in every message about it. */
public record Location(Path file, int line) {

    @Override
    public String toString() {
        return file + ":" + line;
    }
}

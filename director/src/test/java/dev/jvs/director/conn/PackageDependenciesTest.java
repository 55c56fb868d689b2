package dev.jvs.director.conn;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The connection table knows nothing of sync: sync reads connections, never the other way round. */
class PackageDependenciesTest {

    @Test
    void connDoesNotUseSync() throws IOException {
        Path conn = Path.of("src/main/java/dev/jvs/director/conn");
        assertTrue(Files.isDirectory(conn), "run from the director module: " + conn.toAbsolutePath());
        List<String> offenders;
        try (Stream<Path> files = Files.list(conn)) {
            offenders = files.filter(f -> f.toString().endsWith(".java")).filter(f -> {
                try {
                    return Files.readString(f).contains("dev.jvs.director.sync");
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).map(f -> f.getFileName().toString()).toList();
        }
        assertEquals(List.of(), offenders);
    }
}

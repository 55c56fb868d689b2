package dev.jvs.e2e;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The fixture of the packet-mode tests: a network-namespace topology made before each test, with the real
 * director started in its "d" namespace, and both removed after it (the director first). Skipped, with the
 * reason, where namespaces cannot be made (not root, a tool missing). A test class picks another topology or
 * director options by overriding {@link #topology} or {@link #directorOptions}; its own {@code @AfterEach} runs
 * before this one's.
 */
abstract class DirectorInNamespaces {

    @TempDir
    Path dir;
    Namespaces net;
    DirectorProcess director;

    /** The topology to build in {@code dir}: a director, a client and two real servers on one bridge. */
    Namespaces topology(Path dir) throws Exception {
        return Namespaces.create(dir);
    }

    /** Options for the director started before each test. */
    String[] directorOptions() {
        return new String[0];
    }

    @BeforeEach
    final void startTopology() throws Exception {
        String missing = Namespaces.missingPrerequisite();
        assumeTrue(missing == null, () -> "skipped: " + missing);
        net = topology(dir);
        director = DirectorProcess.startWith(dir, net.exec("d"), directorOptions());
    }

    @AfterEach
    final void stopTopology() throws Exception {
        try {
            if (director != null) director.stop();
        } finally {
            if (net != null) net.close();
        }
    }
}

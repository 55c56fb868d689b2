package dev.jvs.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The control socket's refusals, as the real CLI sees them. */
class ControlSocketIT {

    @TempDir
    Path dir;

    @Test
    void aNonRootClientOfALoosenedSocketIsToldPermissionDeniedNotBrokenPipe() throws Exception {
        assumeTrue(new com.sun.security.auth.module.UnixSystem().getUid() == 0, "skipped: needs root to run a client as nobody");
        assumeTrue(Shell.run("setpriv", "--version").status() == 0, "skipped: needs setpriv (util-linux)");
        try (DirectorProcess director = DirectorProcess.start(dir)) {
            // An operator loosened the socket: the director must still refuse strangers, and say so.
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setPosixFilePermissions(director.socket(), PosixFilePermissions.fromString("rw-rw-rw-"));
            ProcessBuilder pb = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                    DirectorProcess.HOME.resolve("bin/ipvsadm").toString(), "-A", "-t", "127.0.0.1:7010", "-s", "rr");
            pb.environment().put("JVS_SOCKET", director.socket().toString());
            pb.environment().put("HOME", "/tmp");
            Process p = pb.redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals("Permission denied (you must be root)\n", out);
            assertEquals(255, p.exitValue());
            assertTrue(!director.ok("-Ln").contains("7010"), "the table is unchanged");
        }
    }
}

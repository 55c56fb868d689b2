package dev.jvs.director.control;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class StateFileTest {

    @TempDir
    Path dir;

    private static void sh(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + out);
    }

    @Test
    void aFifoIsRefusedAndLeftAsItIs() throws Exception {
        Path fifo = dir.resolve("state");
        sh("mkfifo", fifo.toString());
        IOException e = assertThrows(IOException.class, () -> StateFile.open(fifo));
        assertEquals("state file " + fifo + " is not a regular file", e.getMessage());
        assertEquals(0010000, (int) Files.getAttribute(fifo, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0170000,
                "still a FIFO");
    }

    @Test
    void aCharacterDeviceLikeDevNullIsRefusedAndLeftAsItIs() throws Exception {
        assumeTrue(new com.sun.security.auth.module.UnixSystem().getUid() == 0, "mknod needs root");
        Path devNull = dir.resolve("null"); // a private twin of /dev/null (char 1,3); the real one is never touched
        sh("mknod", "-m", "666", devNull.toString(), "c", "1", "3");
        IOException e = assertThrows(IOException.class, () -> StateFile.open(devNull));
        assertEquals("state file " + devNull + " is not a regular file", e.getMessage());
        assertEquals(0020000, (int) Files.getAttribute(devNull, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0170000,
                "still a character device");
        assertEquals("rw-rw-rw-", PosixFilePermissions.toString(Files.getPosixFilePermissions(devNull)));
    }

    @Test
    void aSymlinkToADeviceIsRefusedNamingBoth() throws Exception {
        Path link = Files.createSymbolicLink(dir.resolve("state"), Path.of("/dev/null"));
        IOException e = assertThrows(IOException.class, () -> StateFile.open(link));
        assertEquals("state file " + link + " (-> /dev/null) is not a regular file", e.getMessage());
    }

    @Test
    void aDirectoryOrAMissingDirectoryIsRefused() {
        IOException isDir = assertThrows(IOException.class, () -> StateFile.open(dir));
        assertEquals("state file " + dir + " is not a regular file", isDir.getMessage());
        Path missing = dir.resolve("nonexistent/x");
        IOException noDir = assertThrows(IOException.class, () -> StateFile.open(missing));
        assertEquals("state file " + missing + ": directory " + missing.getParent() + " does not exist", noDir.getMessage());
    }

    @Test
    void aSymlinkIsFollowedAndItsTargetWritten() throws Exception {
        Path real = Files.createDirectory(dir.resolve("real"));
        Path target = Files.writeString(real.resolve("rules"), "old\n");
        Path link = Files.createSymbolicLink(dir.resolve("state"), target);
        StateFile state = StateFile.open(link);
        assertEquals(target.toRealPath(), state.path());
        state.write("-A -t 10.0.0.1:80 -s rr\n");
        assertTrue(Files.isSymbolicLink(link), "the link stays a link");
        assertEquals("-A -t 10.0.0.1:80 -s rr\n", Files.readString(target));
        assertEquals("-A -t 10.0.0.1:80 -s rr\n", state.read());
    }

    @Test
    void aDanglingSymlinkCreatesItsTarget() throws Exception {
        Path target = dir.resolve("created-later");
        Path link = Files.createSymbolicLink(dir.resolve("state"), target.getFileName());
        StateFile state = StateFile.open(link);
        state.write("x\n");
        assertTrue(Files.isSymbolicLink(link));
        assertEquals("x\n", Files.readString(target));
    }

    @Test
    void aWriteKeepsTheFilesModeAndLeavesNoTempFileBehind() throws Exception {
        Path file = Files.writeString(dir.resolve("state"), "old\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        StateFile state = StateFile.open(file);
        state.write("new\n");
        assertEquals("new\n", Files.readString(file));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "only the state file is left");
        }
    }

    @Test
    void aFileThatIsNotUtf8IsAnErrorNamingIt() throws Exception {
        Path file = Files.write(dir.resolve("state"), new byte[]{'-', 'C', '\n', (byte) 0xE9, 'x', '\n'});
        IOException e = assertThrows(IOException.class, () -> StateFile.open(file).read());
        assertEquals("cannot read " + file + ": line 2 is not UTF-8 text", e.getMessage());
    }
}

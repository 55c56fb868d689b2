package dev.jvs.director.control;

import dev.jvs.os.FileLocks;
import io.netty.channel.unix.FileDescriptor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * An exclusive lock on {@code PATH.lock}, held for the director's lifetime, so that only one director uses a
 * control socket or a state file. The lock file is never deleted: deleting it would let a third process lock a
 * new file while the second still holds the old one. The kernel drops the lock when the process dies, however
 * it dies, so a crashed director never blocks its successor. It is a {@code flock} lock, which belongs to the
 * open descriptor: {@code --takeover} passes the descriptor, and with it the lock, to the new director.
 */
public final class InstanceLock implements AutoCloseable {

    private final Path file;
    private final FileDescriptor fd;

    private InstanceLock(Path file, FileDescriptor fd) {
        this.file = file;
        this.fd = fd;
    }

    /** The lock file that guards {@code path}: {@code path.lock} beside it. */
    public static Path lockFileOf(Path path) {
        Path absolute = path.toAbsolutePath();
        return absolute.resolveSibling(absolute.getFileName() + ".lock");
    }

    /**
     * Takes the lock guarding {@code path}, or throws an {@link IOException} whose message says who holds it.
     * {@code what} names the guarded thing in that message ("control socket", "state file").
     */
    public static InstanceLock acquire(Path path, String what) throws IOException {
        Path file = lockFileOf(path);
        Path dir = file.getParent();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        io.netty.channel.epoll.Epoll.ensureAvailability(); // loads the native library FileDescriptor needs
        if (!Files.exists(file)) {
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (java.nio.file.FileAlreadyExistsException raced) {
                // another director created it at the same moment: the lock decides
            }
        }
        String holder = holder(file); // read first: opening below truncates the file
        FileDescriptor fd = FileDescriptor.from(file.toFile());
        boolean locked;
        try {
            locked = FileLocks.tryLockExclusive(fd.intValue());
        } catch (IOException e) {
            fd.close();
            throw new IOException("cannot lock " + file + ": " + e.getMessage());
        }
        if (!locked) {
            fd.close();
            throw new IOException("another director" + holder + " already uses the " + what + " " + path
                    + " (it holds " + file + ")");
        }
        writePid(file);
        return new InstanceLock(file, fd);
    }

    /** A lock received from the director this one takes over: the descriptor carries the lock. */
    public static InstanceLock inherited(Path file, FileDescriptor fd) {
        writePid(file);
        return new InstanceLock(file, fd);
    }

    /** Records our pid for the operator; the lock, not the pid, is what counts. */
    private static void writePid(Path file) {
        try {
            Files.writeString(file, ProcessHandle.current().pid() + "\n");
        } catch (IOException ignored) {
            // informational only
        }
    }

    private static String holder(Path file) {
        try {
            String pid = Files.readString(file, StandardCharsets.US_ASCII).strip();
            return pid.matches("[0-9]+") ? " (pid " + pid + ")" : "";
        } catch (IOException e) {
            return "";
        }
    }

    public Path file() { return file; }

    /** The locked descriptor, to hand over to a successor. */
    public FileDescriptor fd() { return fd; }

    @Override
    public void close() {
        try {
            fd.close(); // the last descriptor of the description releases the lock
        } catch (IOException ignored) {
            // the lock goes with the process anyway
        }
    }
}

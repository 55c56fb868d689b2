package dev.jvs.director.control;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * An exclusive lock on {@code PATH.lock}, held for the director's lifetime, so that only one director uses a
 * control socket or a state file. The lock file is never deleted: deleting it would let a third process lock a
 * new file while the second still holds the old one. The kernel drops the lock when the process dies, however
 * it dies, so a crashed director never blocks its successor.
 */
public final class InstanceLock implements AutoCloseable {

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private InstanceLock(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
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
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // this very process holds it already (two directors in one JVM, as tests do)
        } catch (IOException e) {
            channel.close();
            throw new IOException("cannot lock " + file + ": " + e.getMessage());
        }
        if (lock == null) {
            String holder = holder(channel);
            channel.close();
            throw new IOException("another director" + holder + " already uses the " + what + " " + path
                    + " (it holds " + file + ")");
        }
        // Record our pid for the operator; the lock, not the pid, is what counts.
        channel.truncate(0);
        channel.write(java.nio.ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes()), 0);
        channel.force(false);
        return new InstanceLock(file, channel, lock);
    }

    private static String holder(FileChannel channel) {
        try {
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(32);
            channel.read(buf, 0);
            String pid = new String(buf.array(), 0, buf.position()).strip();
            return pid.matches("[0-9]+") ? " (pid " + pid + ")" : "";
        } catch (IOException e) {
            return "";
        }
    }

    public Path file() { return file; }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException ignored) {
            // the lock goes with the descriptor anyway
        }
    }
}

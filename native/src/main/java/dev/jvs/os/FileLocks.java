package dev.jvs.os;

import java.io.IOException;

/**
 * {@code flock(2)} locks. Unlike the JDK's {@code FileChannel.lock} (POSIX record locks, owned by the process),
 * a flock lock belongs to the open file description: a descriptor passed to another process with
 * {@code SCM_RIGHTS} carries the lock with it, so a director can hand its instance lock to its successor
 * without a moment where a third process could take it.
 */
public final class FileLocks {

    private static final int LOCK_EX = 2;
    private static final int LOCK_NB = 4;
    private static final int EWOULDBLOCK = 11;

    private FileLocks() {}

    /** Takes an exclusive lock on {@code fd} without waiting; false when another description holds it. */
    public static boolean tryLockExclusive(int fd) throws IOException {
        if (Libc.functions().flock(fd, LOCK_EX | LOCK_NB) == 0) return true;
        int errno = Libc.lastErrno();
        if (errno == EWOULDBLOCK) return false;
        throw new IOException(Libc.describe(errno));
    }
}

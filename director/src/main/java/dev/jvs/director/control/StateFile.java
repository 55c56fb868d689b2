package dev.jvs.director.control;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;

/**
 * The {@code --state} file, handled as a careful daemon does: a symlink is followed and its target written; a
 * path that is not a regular file, or whose directory does not let us create files, is refused at start; every
 * write is atomic (temp file in the same directory, fsync, rename, fsync of the directory) and keeps an existing
 * file's owner and mode.
 */
public final class StateFile {

    private final Path given;
    private final Path path;

    private StateFile(Path given, Path path) {
        this.given = given;
        this.path = path;
    }

    /**
     * Checks {@code given} before anything else happens: the result names a regular file (existing or to be
     * created) in a directory where we can create the temp file of an atomic write. Otherwise an
     * {@link IOException} says why, and nothing was changed.
     */
    public static StateFile open(Path given) throws IOException {
        Path absolute = given.toAbsolutePath();
        Path target = resolveLinks(absolute);
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException("state file " + given + (target.equals(absolute) ? "" : " (-> " + target + ")")
                        + " is not a regular file");
            }
            if (!Files.isReadable(target) || !Files.isWritable(target)) {
                throw new IOException("state file " + target + ": permission denied");
            }
        }
        Path dir = target.getParent();
        if (!Files.isDirectory(dir)) {
            throw new IOException("state file " + target + ": directory " + dir + " does not exist");
        }
        try {
            Files.delete(Files.createTempFile(dir, "." + target.getFileName(), ".check"));
        } catch (IOException e) {
            throw new IOException("state file " + target + ": cannot create files in " + dir + " ("
                    + reason(e) + ")");
        }
        return new StateFile(given, target);
    }

    /** Follows symbolic links (also a dangling one, whose target is then created). */
    private static Path resolveLinks(Path path) throws IOException {
        Path current = path;
        for (int hops = 0; Files.isSymbolicLink(current); hops++) {
            if (hops == 40) throw new IOException("state file " + path + ": too many levels of symbolic links");
            current = current.resolveSibling(Files.readSymbolicLink(current)).normalize();
        }
        // Resolve links in the directories too, so the lock beside the file is the same for every spelling.
        Path dir = current.getParent();
        return Files.isDirectory(dir) ? dir.toRealPath().resolve(current.getFileName()) : current;
    }

    private static String reason(IOException e) {
        if (e instanceof AccessDeniedException) return "permission denied";
        if (e instanceof NoSuchFileException) return "no such directory";
        return e.getMessage();
    }

    /** The file written: the given path with symbolic links resolved. */
    public Path path() { return path; }

    /** The path as given on the command line. */
    public Path given() { return given; }

    public boolean exists() { return Files.isRegularFile(path); }

    /** The file's text; a file that is not UTF-8 is an error naming the file. */
    public String read() throws IOException {
        return TextFiles.readUtf8(path);
    }

    public synchronized void write(String text) throws IOException {
        Path dir = path.getParent();
        PosixFileAttributes existing = Files.exists(path)
                ? Files.readAttributes(path, PosixFileAttributes.class) : null;
        Path tmp = Files.createTempFile(dir, "." + path.getFileName(), ".tmp");
        try {
            if (existing != null) {
                // The new file takes the old one's place: it keeps its mode and owner, or we say why not.
                PosixFileAttributeView view = Files.getFileAttributeView(tmp, PosixFileAttributeView.class);
                view.setPermissions(existing.permissions());
                if (!Files.getOwner(tmp).equals(existing.owner())) view.setOwner(existing.owner());
                if (!view.readAttributes().group().equals(existing.group())) view.setGroup(existing.group());
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                var bytes = StandardCharsets.UTF_8.encode(text);
                while (bytes.hasRemaining()) ch.write(bytes);
                ch.force(true);
            }
            Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true); // the rename itself survives a crash
            }
        } catch (IOException e) {
            throw new IOException(path + ": " + reason(e));
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}

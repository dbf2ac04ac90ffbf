package dev.squall.engine.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.UnaryOperator;

/**
 * Writes a file whole or not at all: the content goes to a temporary file in the target's directory, which is
 * flushed to disk and renamed over the target only once complete (atomically where the file system can, else
 * replacing it). If anything fails, the temporary file is deleted and the target is left as it was, so an output
 * that is also an input, or a file from an earlier run, is never left truncated. Every writer of Squall files
 * (arrays, archives, reports, checkpoints) goes through here.
 */
public final class AtomicFiles {
    /** The suffix of temporary files; a crash can leave one behind, next to its target. */
    public static final String TEMP_SUFFIX = ".tmp";

    /** Wraps the stream of every write; identity except in tests that make a write fail part-way. */
    private static volatile UnaryOperator<OutputStream> streamWrapper = UnaryOperator.identity();

    private AtomicFiles() {
    }

    /** Writes the content of a file to a stream. */
    @FunctionalInterface
    public interface Content {
        /** Writes everything to {@code out}, which it must not close. */
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Writes {@code target} with {@code content}, replacing it (through a symbolic link, its target) only once
     * the whole content is on disk; an existing file keeps its POSIX permissions.
     *
     * @throws IOException naming {@code target} and the reason ("no such directory", "permission denied", "is a
     *                     directory", what the content writer or the disk reported); {@code target} is then
     *                     unchanged and no temporary file remains
     */
    public static void write(Path target, Content content) throws IOException {
        Objects.requireNonNull(content, "content");
        Path file = resolveLinks(target);
        if (Files.isDirectory(file)) {
            throw new IOException("cannot write " + target + ": it is a directory");
        }
        Path dir = file.toAbsolutePath().getParent();
        Path temp = createTemp(target, dir, file.getFileName().toString());
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                OutputStream out = new BufferedOutputStream(streamWrapper.apply(Channels.newOutputStream(channel)),
                        1 << 16);
                content.writeTo(out);
                out.flush();
                channel.force(true); // on disk before the rename makes it the file
            }
            copyPermissions(file, temp);
            move(temp, file);
        } catch (IOException e) {
            deleteQuietly(temp, e);
            throw new IOException("cannot write " + target + ": " + IoErrors.reason(e), e);
        } catch (RuntimeException | Error e) {
            deleteQuietly(temp, e);
            throw e;
        }
    }

    private static void deleteQuietly(Path temp, Throwable cause) {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }

    /**
     * Makes sure files can be written into {@code dir} (creating it if needed, and a file in it, deleted at once),
     * so that a long computation whose outputs go there fails at the start rather than at the end.
     *
     * @throws IOException naming {@code dir} and the reason ("not a directory", "permission denied", ...)
     */
    public static void requireWritableDirectory(Path dir) throws IOException {
        try {
            Files.createDirectories(dir);
            Path probe = createTemp(dir, dir, "squall-write-check");
            Files.delete(probe);
        } catch (IOException e) {
            throw new IOException(e.getMessage().startsWith("cannot write ") ? e.getMessage()
                    : "cannot write into " + dir + ": " + IoErrors.reason(e), e);
        }
    }

    /**
     * Test hook: every later write streams through {@code wrapper} (e.g. one that fails after some bytes), until
     * the returned handle is closed. For tests of what a failed write leaves behind; not for production use.
     */
    public static AutoCloseable interceptWrites(UnaryOperator<OutputStream> wrapper) {
        streamWrapper = Objects.requireNonNull(wrapper);
        return () -> streamWrapper = UnaryOperator.identity();
    }

    private static Path resolveLinks(Path target) throws IOException {
        try {
            return Files.isSymbolicLink(target) && Files.exists(target) ? target.toRealPath() : target;
        } catch (IOException e) {
            throw new IOException("cannot write " + target + ": " + IoErrors.reason(e), e);
        }
    }

    /** A new empty file {@code .NAME.RANDOM.tmp} in {@code dir}, with the default permissions of a new file. */
    private static Path createTemp(Path target, Path dir, String name) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("cannot write " + target + ": no such directory " + dir);
        }
        for (int attempt = 0; ; attempt++) {
            Path temp = dir.resolve("." + name + "." + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36)
                    + TEMP_SUFFIX);
            try {
                Files.newByteChannel(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
                return temp;
            } catch (java.nio.file.FileAlreadyExistsException e) {
                if (attempt == 10) {
                    throw new IOException("cannot write " + target + ": cannot create a temporary file in " + dir, e);
                }
            } catch (IOException e) {
                throw new IOException("cannot write " + target + ": " + IoErrors.reason(e), e);
            }
        }
    }

    /** An existing target's permissions carry over to its replacement (where the file system has POSIX ones). */
    private static void copyPermissions(Path from, Path to) throws IOException {
        PosixFileAttributeView source = Files.getFileAttributeView(from, PosixFileAttributeView.class);
        if (source != null && Files.exists(from)) {
            Files.getFileAttributeView(to, PosixFileAttributeView.class)
                    .setPermissions(source.readAttributes().permissions());
        }
    }

    private static void move(Path temp, Path file) throws IOException {
        try {
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}

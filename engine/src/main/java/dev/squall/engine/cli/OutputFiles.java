package dev.squall.engine.cli;

import dev.squall.engine.io.NdArray;
import dev.squall.engine.io.Npy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writing results so that a failure never leaves a half-written or destroyed file: the array goes to a temporary
 * file in the output's directory, which is then renamed over the output.
 */
final class OutputFiles {
    private OutputFiles() {
    }

    /** Fails early, naming {@code option}, when {@code file}'s directory does not exist or is not writable. */
    static void checkWritable(String option, Path file) {
        Path dir = directory(file);
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(option + " (" + file + "): directory " + dir + " does not exist");
        }
        if (!Files.isWritable(dir)) {
            throw new IllegalArgumentException(option + " (" + file + "): directory " + dir + " is not writable");
        }
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException(option + " (" + file + ") is a directory");
        }
    }

    /** Writes {@code array} to {@code file} as {@code .npy} through a temporary file and a rename. */
    static void writeNpy(Path file, NdArray array) {
        Path tmp = null;
        try {
            tmp = Files.createTempFile(directory(file), "." + file.getFileName(), ".tmp");
            Npy.write(tmp, array);
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            try {
                if (tmp != null) {
                    Files.deleteIfExists(tmp);
                }
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static Path directory(Path file) {
        Path parent = file.toAbsolutePath().getParent();
        return parent == null ? Path.of(".") : parent;
    }
}

package dev.squall.cli;

import dev.squall.engine.io.AtomicFiles;
import dev.squall.engine.io.DType;
import dev.squall.engine.io.IoErrors;
import dev.squall.engine.io.NdArray;
import dev.squall.engine.io.Npy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Reading, checking and writing the arrays of CLI commands, with errors that name the argument. */
final class Inputs {
    private Inputs() {
    }

    /** Reads {@code file}, the CLI argument called {@code name}. */
    static NdArray read(String name, Path file) {
        try {
            return Npy.read(file);
        } catch (IOException e) {
            throw new IllegalArgumentException(name + " (" + file + "): " + IoErrors.reason(file, e), e);
        }
    }

    /** The values of a float32 or float16 array; any other dtype is an error naming {@code name}. */
    static float[] floats(String name, NdArray a) {
        if (a.dtype() != DType.FLOAT32 && a.dtype() != DType.FLOAT16) {
            throw new IllegalArgumentException(name + " must be float32 or float16, got " + a.describe());
        }
        if (a.size() == 0) {
            throw new IllegalArgumentException(name + " must not be empty, got " + a.describe());
        }
        return a.toFloats();
    }

    /** Requires {@code a} to have one of the given ranks. */
    static void rank(String name, NdArray a, int... ranks) {
        if (Arrays.stream(ranks).noneMatch(r -> r == a.rank())) {
            throw new IllegalArgumentException(name + " must have rank " + Arrays.toString(ranks).replace(", ", " or ")
                    .replaceAll("[\\[\\]]", "") + ", got " + a.describe());
        }
    }

    /** Requires {@code a} and {@code b} to have the same shape. */
    static void sameShape(String nameA, NdArray a, String nameB, NdArray b) {
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException(nameB + " must have the shape of " + nameA + " " + Arrays.toString(a.shape())
                    + ", got " + b.describe());
        }
    }

    /**
     * Fails early, naming the argument {@code name}, when {@code file} could not be written: its directory does not
     * exist (it is not created) or takes no new file, or {@code file} is a directory. For commands that compute
     * long before they write.
     */
    static void requireWritable(String name, Path file) {
        Path dir = file.toAbsolutePath().getParent();
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException(name + " (" + file + ") is a directory");
        }
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(name + " (" + file + "): no such directory " + dir);
        }
        try {
            AtomicFiles.requireWritableDirectory(dir);
        } catch (IOException e) {
            throw new IllegalArgumentException(name + " (" + file + "): " + e.getMessage(), e);
        }
    }

    /** Writes a float32 array of {@code shape} to {@code file}, the {@code -o} argument. */
    static void write(Path file, float[] data, int... shape) {
        write("-o", file, NdArray.of(data, shape));
    }

    /** Writes {@code array} to {@code file}, the argument called {@code name}; the message names both. */
    static void write(String name, Path file, NdArray array) {
        try {
            Npy.write(file, array);
        } catch (IOException e) {
            throw new UncheckedIOException(name + ": " + e.getMessage(), e);
        }
    }
}

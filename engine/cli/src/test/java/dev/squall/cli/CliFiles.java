package dev.squall.cli;

import dev.squall.engine.io.NdArray;
import dev.squall.engine.io.Npy;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the CLI tests share: a temporary directory of real .npy files, random inputs, runs and their errors. */
abstract class CliFiles {
    @TempDir
    Path dir;

    final SplittableRandom rnd = new SplittableRandom();
    final StringWriter errors = new StringWriter();

    /** Runs {@code squall args -o OUT.npy}, checks the exit status and returns OUT (null unless it is 0). */
    NdArray run(int expectedExit, String... args) throws IOException {
        Path out = dir.resolve("out" + rnd.nextInt(1 << 30) + ".npy");
        String[] all = Arrays.copyOf(args, args.length + 2);
        all[args.length] = "-o";
        all[args.length + 1] = out.toString();
        errors.getBuffer().setLength(0);
        int exit = Main.run(new PrintWriter(errors, true), all);
        assertEquals(expectedExit, exit, "exit code of " + String.join(" ", args) + "; stderr: " + errors);
        return expectedExit == 0 ? Npy.read(out) : null;
    }

    /** Runs a command that writes no file and returns its standard output. */
    String stdout(int expectedExit, String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        errors.getBuffer().setLength(0);
        try {
            System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
            assertEquals(expectedExit, Main.run(new PrintWriter(errors, true), args), "exit code; stderr: " + errors);
        } finally {
            System.setOut(old);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** The last run's standard error holds {@code fragment}. */
    void assertError(String fragment) {
        assertTrue(errors.toString().contains(fragment), "expected '" + fragment + "' in: " + errors);
    }

    /** Writes {@code data} of {@code shape} as a float32 .npy file named after {@code name}; returns its path. */
    String save(String name, float[] data, int... shape) throws IOException {
        Path p = dir.resolve(name + rnd.nextInt(1 << 30) + ".npy");
        Npy.write(p, NdArray.of(data, shape));
        return p.toString();
    }

    /** {@code size} standard normal floats. */
    float[] random(int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }
}

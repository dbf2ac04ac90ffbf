package dev.squall.engine.io;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.LongUnaryOperator;

/**
 * A fuzz harness for file readers: seeded random corruptions of valid files (truncations, flipped and
 * overwritten bytes, inserted and deleted runs, and whatever format-aware {@link Mutation}s a test adds: absurd
 * shapes, wrong dtypes, bad archive entries, duplicate members), each read from disk. Every corruption must end
 * in the reader's own exception type or in a successful read that passes the test's consistency check, never
 * in another exception or error; and the reader may allocate no more than the allowance for the input's size
 * (measured with the JVM's per-thread allocation counter, so a false header that asks for gigabytes fails here
 * even where the heap would have had room).
 *
 * <p>Failures print the seed ({@code -Dsquall.seed=N} replays a run), the case, the mutations applied and the
 * first bytes of the input, and keep the input in {@code target/fuzz-failures}. {@code -Dsquall.fuzz.cases=N}
 * runs more cases.
 *
 * <p><b>Hook for further readers</b> (TODO: the {@code .safetensors} reader and the checkpoint formats join here):
 * give it a reader that reads everything, its exception type, a consistency check, an allowance, valid sample
 * files and format-aware mutations, as {@code NpyFuzzTest} and {@code NpzFuzzTest} do; e.g.
 * <pre>{@code
 * new ReaderFuzz<Map<String, float[]>>("safetensors", file -> {
 *             try (Safetensors s = Safetensors.open(file)) {
 *                 Map<String, float[]> all = new LinkedHashMap<>();
 *                 for (String name : s.entries().keySet()) {
 *                     all.put(name, s.floats(name));
 *                 }
 *                 return all;
 *             }
 *         }, SafetensorsFormatException.class, all -> { ... lengths match the shapes ... },
 *         size -> 4 * size + ReaderFuzz.SLACK_BYTES)   // F16/BF16 widen to float: 2x, plus the header
 *     .mutation("header length", (bytes, rnd) -> ...)  // the 8-byte length: 0, huge, past the end
 *     .mutation("header json", (bytes, rnd) -> ...)    // dtype, shape, data_offsets out of range or overlapping
 *     .run(dir, validSamples, 2000);
 * }</pre>
 *
 * @param <T> what the reader returns
 */
public final class ReaderFuzz<T> {
    /** Allocation any read may make besides the input-proportional part: buffers, parsing, zip bookkeeping. */
    public static final long SLACK_BYTES = 4L << 20;

    /** Reads a file. */
    @FunctionalInterface
    public interface Reader<T> {
        /** Reads {@code file}. */
        T read(Path file) throws Exception;
    }

    /** Checks a successful read (throws an {@link AssertionError} if the result is inconsistent). */
    @FunctionalInterface
    public interface Check<T> {
        /** Checks {@code result}. */
        void check(T result);
    }

    /** A corruption of a file's bytes; returns new bytes (the input must not be changed). */
    @FunctionalInterface
    public interface Mutation {
        /** The corrupted copy of {@code bytes}. */
        byte[] apply(byte[] bytes, SplittableRandom rnd);
    }

    private final String format;
    private final Reader<T> reader;
    private final Class<? extends Exception> ownException;
    private final Check<T> consistent;
    private final LongUnaryOperator allowance;
    private final Map<String, Mutation> mutations = new LinkedHashMap<>(ByteMutations.ALL);

    /**
     * A harness for one reader.
     *
     * @param format       the format's name, for messages
     * @param ownException the only exception type the reader may throw on a corrupt file
     * @param consistent   checks what a successful read returned
     * @param allowance    the most bytes a read of an input of the given size may allocate
     */
    public ReaderFuzz(String format, Reader<T> reader, Class<? extends Exception> ownException, Check<T> consistent,
                      LongUnaryOperator allowance) {
        this.format = format;
        this.reader = reader;
        this.ownException = ownException;
        this.consistent = consistent;
        this.allowance = allowance;
    }

    /** The mutations this harness applies, by name (for a container format to apply to its members). */
    public Map<String, Mutation> mutations() {
        return Map.copyOf(mutations);
    }

    /** Adds a format-aware mutation. */
    public ReaderFuzz<T> mutation(String name, Mutation mutation) {
        mutations.put(name, mutation);
        return this;
    }

    /**
     * Runs {@code cases} corruptions, each of one to three mutations of a random sample, written to a file in
     * {@code dir} and read. The seed comes from {@code -Dsquall.seed} or is fresh (and printed on failure).
     */
    public void run(Path dir, List<byte[]> samples, int cases) throws IOException {
        cases = Integer.getInteger("squall.fuzz.cases", cases); // a longer hunt: -Dsquall.fuzz.cases=100000
        long seed = Long.getLong("squall.seed", new SplittableRandom().nextLong());
        SplittableRandom rnd = new SplittableRandom(seed);
        List<String> names = new ArrayList<>(mutations.keySet());
        Path file = dir.resolve("fuzz." + format);
        int succeeded = 0;
        for (int c = 0; c < cases; c++) {
            byte[] bytes = samples.get(rnd.nextInt(samples.size()));
            List<String> applied = new ArrayList<>();
            for (int m = 1 + rnd.nextInt(3); m > 0; m--) {
                String name = names.get(rnd.nextInt(names.size()));
                bytes = mutations.get(name).apply(bytes, rnd);
                applied.add(name);
            }
            overwrite(file, bytes);
            String where = format + " fuzz case " + c + " of seed " + seed + " (replay with -Dsquall.seed=" + seed
                    + "), mutations " + applied + ", " + bytes.length + " bytes starting "
                    + HexFormat.of().formatHex(bytes, 0, Math.min(bytes.length, 48));
            long before = allocatedBytes();
            try {
                T result = reader.read(file);
                long allocated = allocatedBytes() - before;
                assertAllowed(allocated, bytes.length, where);
                consistent.check(result);
                succeeded++;
            } catch (Exception e) {
                long allocated = allocatedBytes() - before;
                if (!ownException.isInstance(e)) {
                    throw failure(where, e, bytes);
                }
                assertAllowed(allocated, bytes.length, where);
            } catch (AssertionError e) {
                throw e;
            } catch (Throwable e) {
                throw failure(where, e, bytes);
            }
        }
        assertTrue(succeeded < cases, format + ": no corruption was detected in " + cases + " cases (seed " + seed + ")");
    }

    /**
     * Writes {@code bytes} over the file in place and cuts it to their length: truncating a file to zero first,
     * as {@link Files#write} does, costs milliseconds on some disks, far more than a read.
     */
    private static void overwrite(Path file, byte[] bytes) throws IOException {
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(file.toFile(), "rw")) {
            f.write(bytes);
            f.setLength(bytes.length);
        }
    }

    /** The failure, with the input kept in {@code target/fuzz-failures} to debug it. */
    private AssertionError failure(String where, Throwable e, byte[] bytes) throws IOException {
        Path kept = Files.createDirectories(Path.of("target", "fuzz-failures")).resolve("failure." + format);
        Files.write(kept, bytes);
        return new AssertionError(where + ": threw " + e + ", not a " + ownException.getSimpleName() + " (input kept in "
                + kept.toAbsolutePath() + ")", e);
    }

    private void assertAllowed(long allocated, long inputBytes, String where) {
        long allowed = allowance.applyAsLong(inputBytes);
        if (allocated > allowed) {
            fail(where + ": allocated " + allocated + " bytes reading " + inputBytes + ", more than the allowed "
                    + allowed);
        }
    }

    /** Bytes the current thread has allocated so far. */
    static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }
}

package dev.squall.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.squall.engine.io.AtomicFiles;
import dev.squall.engine.io.FailingOutput;
import dev.squall.engine.io.NdArray;
import dev.squall.engine.io.Npy;
import dev.squall.engine.io.Npz;
import dev.squall.engine.layers.BlockWeights;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a hostile or careless input does to the CLI (issue 21): every case is an error that names the argument
 * and exits with status 2 (never a stack trace, an out-of-memory error or a destroyed file).
 */
class HostileInputCliTest {
    @TempDir
    Path dir;

    private final SplittableRandom rnd = new SplittableRandom();
    private final StringWriter errors = new StringWriter();

    /** An output that is also the input, the disk failing part-way: the input stays as it was. */
    @Test
    void aFailedWriteOverTheInputLeavesTheInputIntact() throws Exception {
        Path v = dir.resolve("v.npy");
        Npy.write(v, NdArray.of(random(64 * 64), 64, 64));
        Path w = dir.resolve("w.npz");
        Npz.write(w, BlockWeights.random(32, 64, 1).toStateDict());
        byte[] vBytes = Files.readAllBytes(v);
        byte[] wBytes = Files.readAllBytes(w);
        try (AutoCloseable hook = AtomicFiles.interceptWrites(out -> FailingOutput.after(out, 2000, "File too large"))) {
            run(2, "op", "softmax", v.toString(), "-o", v.toString());
            assertError("softmax: -o: cannot write " + v + ": file too large");
            run(2, "quantize", w.toString(), "--format", "fp16", "-o", w.toString());
            assertError("quantize: -o: cannot write " + w + ": file too large");
        }
        assertArrayEquals(vBytes, Files.readAllBytes(v), "v.npy changed");
        assertArrayEquals(wBytes, Files.readAllBytes(w), "w.npz changed");
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(v, w), files.sorted().toList(), "temporary files left behind");
        }
    }

    /** A 200-byte file whose header claims float32 (46340, 46340): a format error, not an OutOfMemoryError. */
    @Test
    void falseHeadersAreFormatErrorsNamingTheArgument() throws IOException {
        byte[] header = "{'descr': '<f4', 'fortran_order': False, 'shape': (46340, 46340), }".getBytes(
                StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(200).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        b.putShort((short) 118).put(header);
        while (b.position() < 127) {
            b.put((byte) ' ');
        }
        b.put((byte) '\n');
        Path big = Files.write(dir.resolve("big.npy"), b.array());
        String truncated = "truncated data: expected 8589582400 bytes of data for float32[46340, 46340], found 72";
        run(2, "op", "softmax", big.toString(), "-o", dir.resolve("out.npy").toString());
        assertError("softmax: X (" + big + "): " + truncated);
        Path w = dir.resolve("w.npz");
        Npz.write(w, BlockWeights.random(32, 64, 1).toStateDict());
        run(2, "op", "block", big.toString(), w.toString(), "--heads", "2", "-o", dir.resolve("out.npy").toString());
        assertError("block: X (" + big + "): " + truncated);
        Path bigMember = dir.resolve("bigm.npz");
        try (var zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(bigMember))) {
            zip.putNextEntry(new java.util.zip.ZipEntry("self_attn.in_proj_weight.npy"));
            zip.write(b.array());
            zip.closeEntry();
        }
        run(2, "quantize", bigMember.toString(), "--format", "q8_0", "-o", dir.resolve("o.npz").toString());
        assertError("quantize: WEIGHTS (" + bigMember + "): member self_attn.in_proj_weight.npy: " + truncated);
    }

    /** Attention over no tokens or no dimensions: "Q must not be empty", not ArithmeticException: / by zero. */
    @Test
    void attentionWithoutTokensOrDimensionsIsAnError() throws IOException {
        for (int[] shape : new int[][] {{2, 0, 8}, {2, 8, 0}, {1, 0, 0, 4}, {0, 2, 3, 4}}) {
            String q = save("q", new float[0], shape);
            for (String fused : new String[] {"--fused", "--causal"}) {
                run(2, "op", "attention", q, q, q, fused, "-o", dir.resolve("o.npy").toString());
                assertError("attention: Q must not be empty, got float32" + Arrays.toString(shape));
            }
        }
    }

    /**
     * Unfused attention whose score matrices cannot exist: N = 65536 (4·2^30 scores, more than an array holds;
     * once an integer-overflow stack trace), and N = 32768 with scores larger than the heap (once an
     * OutOfMemoryError): refused before allocating, saying what it needs and to use --fused or a pattern.
     */
    @Test
    void unfusedAttentionThatCannotFitIsRefusedWithWhatItNeeds() throws IOException {
        String q = save("q", random(65536), 1, 65536, 1);
        run(2, "op", "attention", q, q, q, "-o", dir.resolve("o.npy").toString());
        assertError("attention: the unfused form (without --fused) materialises 2 score matrices of tokens·heads·maxLen"
                + " = 65536·1·65536 floats (32.0 GiB), more than a Java array holds: use --fused");
        assertError("--pattern");
        String x = save("x", random(65536 * 2), 65536, 2);
        run(2, "op", "block", x, npz("w2", BlockWeights.random(2, 4, 1).toStateDict()), "--heads", "1", "--unfused",
                "-o", dir.resolve("o.npy").toString());
        assertError("block: unfused attention materialises 2 score matrices of tokens·heads·maxLen = 65536·1·65536"
                + " floats (32.0 GiB); one matrix is more than a Java array can hold (2147483639 elements): use fused"
                + " attention (no N×N matrix) or a sparse pattern");
        long heap = Runtime.getRuntime().maxMemory();
        int n = (int) Math.ceil(Math.sqrt(heap / 8.0)) + 1; // 2 matrices of n·n floats: more than the heap
        org.junit.jupiter.api.Assumptions.assumeTrue((long) n * n < Integer.MAX_VALUE - 8, "heap too large to test");
        String big = save("big", random(n), 1, n, 1);
        run(2, "op", "attention", big, big, big, "-o", dir.resolve("o.npy").toString());
        assertError("more than the Java heap (at most ");
        assertError("use --fused (FlashAttention-style, no N×N matrix), a sparse --pattern");
    }

    /** An out-of-memory error nothing foresaw: a message and exit status 1, no stack trace (a 16 MiB heap). */
    @Test
    void runningOutOfMemoryIsAMessageNotAStackTrace() throws Exception {
        Path x = dir.resolve("x.npy");
        Npy.write(x, NdArray.of(new float[4 << 20], 1024, 4096)); // 16 MiB: input and output cannot both fit
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx16m",
                "-XX:-UsePerfData", "-cp", System.getProperty("java.class.path"), Main.class.getName(), "op", "softmax",
                x.toString(), "-o", dir.resolve("y.npy").toString()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(1, p.waitFor(), output);
        assertTrue(output.contains("squall: out of memory (Java heap of at most 0.0 GiB): use smaller inputs,"),
                output);
        assertTrue(!output.contains("\tat ") && !output.contains("Exception in thread"), output);
    }

    /** I/O errors keep their reason; a format error does not repeat the path. */
    @Test
    void ioErrorsSayWhy() throws IOException {
        Path missing = dir.resolve("missing.npy");
        Path out = dir.resolve("out.npy");
        run(2, "op", "softmax", missing.toString(), "-o", out.toString());
        assertError("softmax: X (" + missing + "): no such file");
        run(2, "op", "softmax", dir.toString(), "-o", out.toString());
        assertError("softmax: X (" + dir + "): is a directory");
        String v = save("v", random(6), 2, 3);
        run(2, "op", "softmax", v, "-o", dir.toString());
        assertError("softmax: -o: cannot write " + dir + ": it is a directory");
        Path nowhere = dir.resolve("no").resolve("out.npy");
        run(2, "op", "softmax", v, "-o", nowhere.toString());
        assertError("softmax: -o: cannot write " + nowhere + ": no such directory " + nowhere.getParent());
        run(2, "quantize", dir.resolve("missing.npz").toString(), "--format", "q8_0", "-o", out.toString());
        assertError("quantize: WEIGHTS (" + dir.resolve("missing.npz") + "): no such file");
        run(2, "op", "block", v, dir.resolve("missing.npz").toString(), "--heads", "1", "-o", out.toString());
        assertError("block: WEIGHTS (" + dir.resolve("missing.npz") + "): no such file");
        Path junk = Files.writeString(dir.resolve("junk.npy"), "not numpy");
        run(2, "op", "softmax", junk.toString(), "-o", out.toString());
        assertError("softmax: X (" + junk + "): not a .npy file");
    }

    /** Weights: the wrong tensor is named; a NaN fp32 weight is refused without talk of compression. */
    @Test
    void weightErrorsNameTheTensor() throws IOException {
        java.util.Map<String, NdArray> good = BlockWeights.random(32, 64, 2).toStateDict();
        String x = save("x", random(5 * 32), 5, 32);
        java.util.Map<String, NdArray> dict = new java.util.LinkedHashMap<>(good);
        dict.put("norm1.weight", NdArray.of(new float[31], 31));
        run(2, "op", "block", x, npz("badnorm", dict), "--heads", "2", "-o", dir.resolve("o.npy").toString());
        assertError("norm1.weight must be [32], got float32[31]");
        dict = new java.util.LinkedHashMap<>(good);
        dict.put("self_attn.in_proj_weight", NdArray.of(new float[95 * 32], 95, 32));
        run(2, "op", "block", x, npz("badinproj", dict), "--heads", "2", "-o", dir.resolve("o.npy").toString());
        assertError("self_attn.in_proj_weight must be [96, 32], got float32[95, 32]");
        dict = new java.util.LinkedHashMap<>(good);
        float[] w = good.get("linear1.weight").toFloats().clone();
        w[3 * 32 + 4] = Float.NaN;
        dict.put("linear1.weight", NdArray.of(w, 64, 32));
        String nan = npz("nan", dict);
        run(2, "op", "block", x, nan, "--heads", "2", "-o", dir.resolve("o.npy").toString());
        assertError("block: WEIGHTS (" + nan + "): linear1.weight[3, 4] is NaN: a block with a non-finite weight");
        assertTrue(!errors.toString().contains("compress"), errors.toString());
        run(2, "quantize", nan, "--format", "q8_0", "-o", dir.resolve("q.npz").toString());
        assertError("linear1.weight: weight [3, 4] is NaN; only finite weights can be compressed");
    }

    /** {@code bench --report} to an unusable directory fails at once; {@code --threads} has an upper bound. */
    @Test
    void benchChecksItsReportDirectoryFirstAndThreadsAreBounded() throws IOException {
        Path file = Files.writeString(dir.resolve("file"), "x");
        java.io.PrintStream stderr = System.err;
        java.io.ByteArrayOutputStream progress = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(progress, true, StandardCharsets.UTF_8));
        try {
            run(2, "bench", "--d", "8", "--heads", "2", "--ff", "16", "--n", "8", "--reps", "1", "--warmup", "0",
                    "--report", file.resolve("report").toString());
        } finally {
            System.setErr(stderr);
        }
        assertError("bench: --report: cannot write into " + file.resolve("report") + ": not a directory");
        assertEquals("", progress.toString(StandardCharsets.UTF_8), "the benchmark ran");
        int limit = RunOptions.MAX_THREADS_PER_CORE * Runtime.getRuntime().availableProcessors();
        String v = save("v", random(6), 2, 3);
        run(2, "op", "softmax", v, "--threads", Integer.toString(limit + 1), "-o", dir.resolve("o.npy").toString());
        assertError("--threads must be at most " + limit + " (8 per available processor, "
                + Runtime.getRuntime().availableProcessors() + " here), got " + (limit + 1));
        run(0, "op", "softmax", v, "--threads", Integer.toString(limit), "-o", dir.resolve("o.npy").toString());
    }

    private String save(String name, float[] data, int... shape) throws IOException {
        Path p = dir.resolve(name + rnd.nextInt(1 << 30) + ".npy");
        Npy.write(p, NdArray.of(data, shape));
        return p.toString();
    }

    private String npz(String name, java.util.Map<String, NdArray> dict) throws IOException {
        Path p = dir.resolve(name + ".npz");
        Npz.write(p, dict);
        return p.toString();
    }

    private void run(int expectedExit, String... args) {
        errors.getBuffer().setLength(0);
        int exit = Main.run(new PrintWriter(errors, true), args);
        assertEquals(expectedExit, exit, "exit code of " + String.join(" ", args) + "; stderr: " + errors);
        assertTrue(!errors.toString().contains("\tat "), "a stack trace: " + errors);
    }

    private void assertError(String fragment) {
        assertTrue(errors.toString().contains(fragment), "expected '" + fragment + "' in: " + errors);
    }

    private float[] random(int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }
}

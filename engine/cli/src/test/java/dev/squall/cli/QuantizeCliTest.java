package dev.squall.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.squall.engine.compress.CompressedBlock;
import dev.squall.engine.io.NdArray;
import dev.squall.engine.io.Npy;
import dev.squall.engine.io.Npz;
import dev.squall.engine.layers.BlockConfig;
import dev.squall.engine.layers.BlockWeights;
import dev.squall.engine.layers.ReferenceBlock;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code squall quantize}, {@code squall op block --weights} and on quantized files, and
 * {@code squall bench --quant}, through real files; and their errors.
 */
class QuantizeCliTest {
    @TempDir
    Path dir;

    private final StringWriter errors = new StringWriter();

    @Test
    void quantizedFileRunsAsTheBlockOfItsWeights() throws IOException {
        BlockWeights w = BlockWeights.random(32, 40, 11);
        Path fp32 = dir.resolve("w.npz");
        Npz.write(fp32, w.toStateDict());
        Path q = dir.resolve("q.npz");
        String out = run(0, "quantize", fp32.toString(), "--format", "q4_0", "-o", q.toString());
        assertTrue(out.contains("linear1.weight") && out.contains("q4_0") && out.contains("total"), out);
        Map<String, NdArray> dict = Npz.read(q);
        assertTrue(dict.containsKey("self_attn.in_proj_weight.q4_0.qs"));
        assertFalse(dict.containsKey("self_attn.in_proj_weight"));

        float[] x = random(2 * 5 * 32, 3);
        Path xf = dir.resolve("x.npy");
        Npy.write(xf, NdArray.of(x, 2, 5, 32));
        BlockConfig c = BlockConfig.of(32, 4, 40);
        double[] ref = ReferenceBlock.forward(CompressedBlock.read(dict).reference(), c, x, 2, 5);
        for (String variant : new String[] {"--fused", "--unfused"}) {
            Path y = dir.resolve("y.npy");
            run(0, "op", "block", xf.toString(), q.toString(), "--heads", "4", variant, "-o", y.toString());
            float[] got = Npy.read(y).toFloats();
            for (int i = 0; i < got.length; i++) {
                assertTrue(Math.abs(got[i] - ref[i]) <= 1e-5 * Math.max(1, Math.abs(ref[i])), variant + " at " + i);
            }
        }
        Path y = dir.resolve("y2.npy");
        run(0, "op", "block", xf.toString(), fp32.toString(), "--heads", "4", "--weights", "q4_0", "-o", y.toString());
        Path z = dir.resolve("z.npy");
        run(0, "op", "block", xf.toString(), q.toString(), "--heads", "4", "-o", z.toString());
        assertEquals(Npy.read(y), Npy.read(z), "--weights q4_0 on fp32 weights = the quantized file");
    }

    @Test
    void everyFormatQuantizesAndRuns() throws IOException {
        Path fp32 = dir.resolve("w.npz");
        Npz.write(fp32, BlockWeights.random(16, 24, 5).toStateDict());
        Path xf = dir.resolve("x.npy");
        Npy.write(xf, NdArray.of(random(3 * 16, 1), 3, 16));
        for (String f : new String[] {"fp16", "bf16", "q8_0", "int8", "int8g:8", "ternary:row", "ternary-a8", "q4_0-a8", "binary", "w8a8:3",
                "pruned:0.5:global", "2:4"}) {
            Path q = dir.resolve("q.npz");
            run(0, "quantize", fp32.toString(), "--format", f, "-o", q.toString());
            Path y = dir.resolve("y.npy");
            run(0, "op", "block", xf.toString(), q.toString(), "--heads", "2", "-o", y.toString());
            assertEquals(3 * 16, Npy.read(y).size(), f);
        }
    }

    @Test
    void errorsNameTheArgument() throws IOException {
        Path fp32 = dir.resolve("w.npz");
        Npz.write(fp32, BlockWeights.random(12, 22, 1).toStateDict());
        Path xf = dir.resolve("x.npy");
        Npy.write(xf, NdArray.of(random(4 * 12, 2), 4, 12));
        Path q = dir.resolve("q.npz");
        run(2, "quantize", fp32.toString(), "--format", "q5_k", "-o", q.toString());
        assertError("--format: unknown weight format: 'q5_k'");
        run(2, "op", "block", xf.toString(), fp32.toString(), "--heads", "3", "--weights", "int8g:0", "-o",
                dir.resolve("y.npy").toString());
        assertError("--weights: group size must be a positive integer");
        run(2, "op", "block", xf.toString(), fp32.toString(), "--heads", "3", "--weights", "2:4", "-o",
                dir.resolve("y.npy").toString());
        assertError("2:4 sparsity needs in_features to be a multiple of 4, got");

        run(0, "quantize", fp32.toString(), "--format", "q8_0", "-o", q.toString());
        run(2, "quantize", q.toString(), "--format", "q4_0", "-o", dir.resolve("qq.npz").toString());
        assertError("already holds compressed weights");
        run(2, "op", "block", xf.toString(), q.toString(), "--heads", "3", "--weights", "q4_0", "-o",
                dir.resolve("y.npy").toString());
        assertError("is already compressed (q8_0)");

        Map<String, NdArray> dict = new LinkedHashMap<>(Npz.read(q));
        dict.put("linear2.weight.q8_0.d", NdArray.ofHalf(new short[3], 3));
        Path corrupt = dir.resolve("corrupt.npz");
        Npz.write(corrupt, dict);
        run(2, "op", "block", xf.toString(), corrupt.toString(), "--heads", "3", "-o", dir.resolve("y.npy").toString());
        assertError("WEIGHTS (" + corrupt + "): packed array linear2.weight.q8_0.d must be float16[12, 1], got "
                + "float16[3]");

        Map<String, NdArray> noWeights = Map.of("bias", NdArray.of(new float[2], 2));
        Path empty = dir.resolve("empty.npz");
        Npz.write(empty, noWeights);
        run(2, "quantize", empty.toString(), "--format", "q8_0", "-o", q.toString());
        assertError("has no float matrix named '*weight'");
    }

    @Test
    void benchQuantRunsEveryFormatItIsGiven() {
        String out = run(0, "bench", "--quant", "--quant-size", "64", "--quant-rows", "16", "--quant-stream-mib", "1",
                "--quant-formats", "fp32,fp32-rows,q8_0,w8a8,2:4", "--d", "32", "--heads", "2", "--ff", "64",
                "--quant-block-tokens", "8", "--quant-jit-ms", "0", "--warmup", "0", "--reps", "1", "--threads", "2", "--report",
                dir.resolve("report").toString());
        for (String f : new String[] {"fp32-rows", "q8_0", "w8a8", "2:4", "GEMV speed-up", "block error"}) {
            assertTrue(out.contains(f), f + " in " + out);
        }
        assertTrue(dir.resolve("report").resolve("report.md").toFile().isFile());
        run(2, "bench", "--quant", "--quant-formats", "q9");
        assertError("unknown weight format");
    }

    /** Runs the CLI, returns its standard output. */
    private String run(int expectedExit, String... args) {
        errors.getBuffer().setLength(0);
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        int exit;
        try {
            System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
            exit = Main.run(new PrintWriter(errors, true), args);
        } finally {
            System.setOut(stdout);
        }
        assertEquals(expectedExit, exit, "exit code of " + String.join(" ", args) + "; stderr: " + errors);
        return buffer.toString(StandardCharsets.UTF_8);
    }

    private void assertError(String fragment) {
        assertTrue(errors.toString().contains(fragment), "expected '" + fragment + "' in: " + errors);
    }

    private static float[] random(int size, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }
}

package dev.squall.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.squall.engine.io.DType;
import dev.squall.engine.io.NdArray;
import dev.squall.engine.io.Npy;
import dev.squall.engine.io.Npz;
import dev.squall.engine.layers.BlockWeights;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code --pattern} on {@code op attention} and {@code op block}, {@code --mask-out}, and
 * {@code attention-error}, through real .npy files: outputs against float64 masked attention on the
 * head-major tensors, masks against the pattern's definition, errors naming the parameter.
 */
class PatternCliTest extends CliFiles {

    /** Query {@code i} sees key {@code j} in head {@code h}. */
    @FunctionalInterface
    private interface Visible {
        boolean test(int h, int i, int j);
    }

    @Test
    void attentionWithPatternMatchesMaskedFloat64AndWritesTheMask() throws IOException {
        int b = 2, h = 3, n = 21, d = 5;
        int[] shape = {b, h, n, d};
        float[] q = random(b * h * n * d);
        float[] k = random(q.length);
        float[] v = random(q.length);
        String qf = save("q", q, shape), kf = save("k", k, shape), vf = save("v", v, shape);
        Visible longformer = (head, i, j) -> {
            int dil = head % 2 == 0 ? 1 : 2;
            return Math.abs(i - j) <= 2 * dil && (i - j) % dil == 0 || i == 20 || j == 20;
        };
        for (boolean causal : new boolean[] {false, true}) {
            for (boolean fused : new boolean[] {false, true}) {
                Path mask = dir.resolve("mask.npy");
                List<String> args = new ArrayList<>(List.of("op", "attention", qf, kf, vf, "--pattern",
                        "longformer:2:1/2/1:20", "--mask-out", mask.toString()));
                args.addAll(fused ? List.of("--fused") : List.of());
                args.addAll(causal ? List.of("--causal") : List.of());
                String fusion = fused ? "fused" : "unfused";
                float[] out = run(0, args.toArray(String[]::new)).toFloats();
                Visible visible = (head, i, j) -> longformer.test(head, i, j) && (!causal || j <= i);
                double[][] ref = reference(q, k, v, b, h, n, d, visible);
                for (int e = 0; e < out.length; e++) {
                    assertEquals(ref[0][e], out[e], 1e-5 * ref[1][e] + 1e-7, "element " + e + " causal=" + causal + " " + fusion);
                }
                NdArray m = Npy.read(mask);
                assertEquals(DType.BOOL, m.dtype());
                assertArrayEquals(new int[] {b, h, n, n}, m.shape());
                int[] bits = m.toInts();
                for (int s = 0; s < b; s++) {
                    for (int head = 0; head < h; head++) {
                        for (int i = 0; i < n; i++) {
                            for (int j = 0; j < n; j++) {
                                assertEquals(visible.test(head, i, j) ? 1 : 0, bits[((s * h + head) * n + i) * n + j],
                                        "mask at sequence " + s + " head " + head + " (" + i + ", " + j + ")");
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void patternErrorsNameTheParameter() throws IOException {
        int[] shape = {2, 8, 4};
        String q = save("q", random(64), shape);
        run(2, "op", "attention", q, q, q, "--pattern", "local:-1");
        assertError("W (window radius) must be >= 0, got -1");
        run(2, "op", "attention", q, q, q, "--pattern", "longformer:1:1:8");
        assertError("global position 8 is out of range: the longest sequence has 8 tokens");
        run(2, "op", "attention", q, q, q, "--pattern", "longformer:1:1/2/3");
        assertError("3 dilations given for 2 heads");
        run(2, "op", "attention", q, q, q, "--pattern", "linformer:9:1");
        assertError("R=9 exceeds the longest sequence (8 tokens)");
        run(2, "op", "attention", q, q, q, "--mask-out", dir.resolve("m.npy").toString());
        assertError("--mask-out needs --pattern");
        run(2, "op", "attention", q, q, q, "--pattern", "linear", "--mask-out", dir.resolve("m.npy").toString());
        assertError("pattern linear is not a mask over keys");
        run(2, "op", "attention", q, q, q, "--pattern", "sliding:3");
        assertError("unknown pattern 'sliding'");
    }

    @Test
    void blockWithPatternRunsBothVariants() throws IOException {
        int d = 12, ff = 20, n = 17;
        Path weights = dir.resolve("w.npz");
        Npz.write(weights, BlockWeights.random(d, ff, rnd.nextLong()).toStateDict());
        String x = save("x", random(2 * n * d), 2, n, d);
        float[] dense = run(0, "op", "block", x, weights.toString(), "--heads", "3", "--causal").toFloats();
        float[] wide = run(0, "op", "block", x, weights.toString(), "--heads", "3", "--causal", "--pattern", "local:100").toFloats();
        close(dense, wide, 1e-5, "a window wider than the sequence is dense attention");
        float[] fused = run(0, "op", "block", x, weights.toString(), "--heads", "3", "--causal", "--pattern", "local:2").toFloats();
        float[] unfused = run(0, "op", "block", x, weights.toString(), "--heads", "3", "--causal", "--pattern", "local:2",
                "--unfused").toFloats();
        close(fused, unfused, 1e-5, "fused pattern kernel vs dense scores with the pattern's mask");
        assertTrue(Arrays.stream(range(dense.length)).anyMatch(e -> Math.abs(dense[e] - fused[e]) > 1e-3),
                "a narrow window changes the block's output");
        run(2, "op", "block", x, weights.toString(), "--heads", "3", "--pattern", "topk:0");
        assertError("K must be >= 1, got 0");
    }

    @Test
    void attentionErrorReportsEachPattern() throws IOException {
        String out = stdout(0, "attention-error", "--n", "40", "--heads", "2", "--d", "8", "--causal", "--pattern", "local:64",
                "--pattern", "topk:4", "--pattern", "linear");
        assertTrue(out.contains("heads=2 N=40 d=8 causal"), out);
        assertTrue(out.matches("(?s).*local:64\\s+(0\\.000e\\+00|\\d\\.\\d{3}e-(0[7-9]|[1-9]\\d))\\s.*"),
                "a window covering N is dense attention: " + out);
        assertTrue(out.matches("(?s).*topk:4\\s+[1-9]\\.\\d{3}e-0[0-9].*"), out);
        int[] shape = {2, 6, 4};
        String q = save("q", random(48), shape);
        String given = stdout(0, "attention-error", q, q, q, "--pattern", "local:1");
        assertTrue(given.contains("heads=2 N=6 d=4"), given);
        stdout(2, "attention-error", "--pattern", "local:1");
        assertError("give --n N for random inputs");
        stdout(2, "attention-error", "--n", "8", q, q, q, "--pattern", "local:1");
        assertError("--n is for random inputs");
    }

    /** {output, Σ p|v| error scale} of float64 attention on head-major tensors with {@code visible}. */
    private static double[][] reference(float[] q, float[] k, float[] v, int b, int h, int n, int d, Visible visible) {
        double[] out = new double[q.length];
        double[] scale = new double[q.length];
        for (int s = 0; s < b * h; s++) {
            int head = s % h;
            for (int i = 0; i < n; i++) {
                double[] p = new double[n];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) {
                    p[j] = Double.NEGATIVE_INFINITY;
                    if (visible.test(head, i, j)) {
                        double dot = 0;
                        for (int e = 0; e < d; e++) {
                            dot += (double) q[(s * n + i) * d + e] * k[(s * n + j) * d + e];
                        }
                        p[j] = dot / Math.sqrt(d);
                        max = Math.max(max, p[j]);
                    }
                }
                double sum = 0;
                for (int j = 0; j < n; j++) {
                    p[j] = Math.exp(p[j] - max);
                    sum += p[j];
                }
                for (int j = 0; j < n; j++) {
                    for (int e = 0; e < d; e++) {
                        out[(s * n + i) * d + e] += p[j] / sum * v[(s * n + j) * d + e];
                        scale[(s * n + i) * d + e] += p[j] / sum * Math.abs(v[(s * n + j) * d + e]);
                    }
                }
            }
        }
        return new double[][] {out, scale};
    }

    private static void close(float[] expected, float[] got, double rel, String what) {
        for (int e = 0; e < expected.length; e++) {
            assertEquals(expected[e], got[e], rel * Math.max(1, Math.abs(expected[e])), what + " at " + e);
        }
    }

    private static int[] range(int n) {
        return java.util.stream.IntStream.range(0, n).toArray();
    }
}

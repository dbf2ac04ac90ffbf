package dev.squall.cli;

import dev.squall.engine.io.NdArray;
import dev.squall.engine.io.Npy;
import dev.squall.engine.io.Npz;
import dev.squall.engine.layers.BlockConfig;
import dev.squall.engine.layers.BlockWeights;
import dev.squall.engine.layers.ReferenceBlock;
import org.apache.commons.math3.special.Erf;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The {@code squall op} commands through real .npy files, and their errors. */
class CliTest extends CliFiles {

    @Test
    void matmulMatchesFloat64() throws IOException {
        int m = 7, k = 33, n = 5;
        float[] a = random(m * k);
        float[] b = random(k * n);
        for (String kernel : new String[]{"naive", "tiled"}) {
            NdArray c = run(0, "op", "matmul", save("a", a, m, k), save("b", b, k, n), "--kernel", kernel);
            assertArrayEquals(new int[]{m, n}, c.shape());
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double ref = 0, scale = 0;
                    for (int p = 0; p < k; p++) {
                        ref += (double) a[i * k + p] * b[p * n + j];
                        scale += Math.abs((double) a[i * k + p] * b[p * n + j]);
                    }
                    close(ref, c.toFloats()[i * n + j], 1e-5 * scale);
                }
            }
        }
    }

    @Test
    void rowOpsMatchFloat64() throws IOException {
        int rows = 3, cols = 11;
        float[] x = random(rows * cols);
        float[] gamma = random(cols);
        float[] beta = random(cols);
        String xf = save("x", x, 1, rows, cols);
        float[] ln = run(0, "op", "layernorm", xf, save("g", gamma, cols), save("b", beta, cols), "--eps", "1e-3").toFloats();
        float[] rms = run(0, "op", "rmsnorm", xf, save("g", gamma, cols)).toFloats();
        float[] sm = run(0, "op", "softmax", xf).toFloats();
        float[] gelu = run(0, "op", "gelu", xf).toFloats();
        float[] geluTanh = run(0, "op", "gelu", xf, "--approx", "tanh").toFloats();
        for (int r = 0; r < rows; r++) {
            double mean = 0, sq = 0, var = 0, max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int c = 0; c < cols; c++) {
                mean += x[r * cols + c] / (double) cols;
                sq += (double) x[r * cols + c] * x[r * cols + c] / cols;
                max = Math.max(max, x[r * cols + c]);
            }
            for (int c = 0; c < cols; c++) {
                var += Math.pow(x[r * cols + c] - mean, 2) / cols;
                sum += Math.exp(x[r * cols + c] - max);
            }
            for (int c = 0; c < cols; c++) {
                int i = r * cols + c;
                double v = x[i];
                close((v - mean) / Math.sqrt(var + 1e-3) * gamma[c] + beta[c], ln[i], 1e-5 * (Math.abs(gamma[c]) * 3 + 1));
                close(v / Math.sqrt(sq + 1e-6) * gamma[c], rms[i], 1e-5 * (Math.abs(gamma[c]) * 3 + 1));
                close(Math.exp(v - max) / sum, sm[i], 1e-5);
                close(0.5 * v * Erf.erfc(-v / Math.sqrt(2)), gelu[i], 1e-5 * Math.max(1, Math.abs(v)));
                double y = Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v);
                close(0.5 * v * (1 + Math.tanh(y)), geluTanh[i], 1e-5 * Math.max(1, Math.abs(v)));
            }
        }
    }

    @Test
    void attentionFusedAndUnfusedAgreeForBothLayouts() throws IOException {
        for (int[] shape : new int[][]{{3, 17, 8}, {2, 2, 70, 5}}) {
            int size = 1;
            for (int s : shape) {
                size *= s;
            }
            String q = save("q", random(size), shape);
            String k = save("k", random(size), shape);
            String v = save("v", random(size), shape);
            for (String causal : new String[]{"--causal", "--threads=1"}) {
                NdArray unfused = run(0, "op", "attention", q, k, v, causal);
                NdArray fused = run(0, "op", "attention", q, k, v, causal, "--fused");
                assertArrayEquals(shape, fused.shape());
                float[] a = unfused.toFloats();
                float[] b = fused.toFloats();
                for (int i = 0; i < a.length; i++) {
                    close(a[i], b[i], 1e-5 * Math.max(1, Math.abs(a[i])));
                }
            }
        }
    }

    @Test
    void blockMatchesReferenceForBothVariantsAndRanks() throws IOException {
        int d = 12, ff = 20, n = 9;
        BlockWeights w = BlockWeights.random(d, ff, rnd.nextLong());
        Path weights = dir.resolve("w.npz");
        Npz.write(weights, w.toStateDict());
        BlockConfig c = BlockConfig.of(d, 3, ff).withNormFirst(true).withActivation(BlockConfig.Activation.GELU)
                .withCausal(true);
        float[] x = random(2 * n * d);
        double[] ref = ReferenceBlock.forward(w, c, x, 2, n);
        for (String variant : new String[]{"--fused", "--unfused"}) {
            float[] y = run(0, "op", "block", save("x", x, 2, n, d), weights.toString(), "--heads", "3",
                    "--norm-first", "--activation", "gelu", "--causal", variant).toFloats();
            for (int i = 0; i < ref.length; i++) {
                close(ref[i], y[i], 1e-5 * Math.max(1, Math.abs(ref[i])));
            }
            float[] firstSequence = java.util.Arrays.copyOf(x, n * d);
            float[] y1 = run(0, "op", "block", save("x1", firstSequence, n, d), weights.toString(), "--heads", "3",
                    "--norm-first", "--activation", "gelu", "--causal", variant).toFloats();
            assertArrayEquals(java.util.Arrays.copyOf(y, n * d), y1, "rank-2 input is one sequence");
        }
    }

    /** {@code --kv-cache int8}: the block's attention reads an int8 KV cache; close to fp32, but not its bits. */
    @Test
    void blockWithAnInt8KvCacheStaysCloseToFp32() throws IOException {
        int n = 11, d = 24, ff = 40;
        BlockWeights w = BlockWeights.random(d, ff, rnd.nextLong());
        Path weights = dir.resolve("w.npz");
        Npz.write(weights, w.toStateDict());
        String x = save("x", random(2 * n * d), 2, n, d);
        for (String variant : new String[]{"--fused", "--unfused"}) {
            float[] fp32 = run(0, "op", "block", x, weights.toString(), "--heads", "4", "--causal", variant).toFloats();
            float[] int8 = run(0, "op", "block", x, weights.toString(), "--heads", "4", "--causal", variant,
                    "--kv-cache", "int8").toFloats();
            double num = 0;
            double den = 0;
            for (int i = 0; i < fp32.length; i++) {
                num += Math.pow(int8[i] - fp32[i], 2);
                den += Math.pow(fp32[i], 2);
            }
            assertTrue(num > 0 && Math.sqrt(num / den) < 1e-2, variant + ": relative error " + Math.sqrt(num / den));
        }
        run(2, "op", "block", x, weights.toString(), "--heads", "4", "--kv-cache", "int8", "--pattern", "local:2");
        assertError("--pattern and --kv-cache int8 cannot be combined");
        run(2, "op", "block", x, weights.toString(), "--heads", "4", "--kv-cache", "int8", "--lengths", "3,11");
        assertError("need the padding removed");
        run(2, "op", "block", x, weights.toString(), "--heads", "4", "--kv-cache", "int4");
        assertError("--kv-cache");
    }

    @Test
    void shapeAndDtypeErrorsNameTheArgumentAndExitWith2() throws IOException {
        String a = save("a", random(6), 2, 3);
        String b = save("b", random(8), 4, 2);
        run(2, "op", "matmul", a, b);
        assertError("B must be [K, N] with K = 3");
        Path ints = dir.resolve("ints.npy");
        Npy.write(ints, NdArray.of(new int[]{1, 2, 3}, 3));
        run(2, "op", "softmax", ints.toString());
        assertError("X must be float32 or float16, got int32[3]");
        Path junk = dir.resolve("junk.npy");
        Files.writeString(junk, "this is not numpy");
        run(2, "op", "softmax", junk.toString());
        assertError("X (" + junk + ")");
        run(2, "op", "softmax", dir.resolve("missing.npy").toString());
        assertError("missing.npy");
        run(2, "op", "layernorm", a, save("g", random(2), 2), save("be", random(3), 3));
        assertError("GAMMA must be [3]");
        run(2, "op", "attention", save("q", random(24), 2, 3, 4), save("k", random(24), 2, 4, 3), save("v", random(24), 2, 3, 4));
        assertError("K must have the shape of Q");
        run(2, "op", "softmax", a, "--threads", "0");
        assertError("--threads must be >= 1");
        run(2, "op", "layernorm", a, save("g", random(3), 3), save("be", random(3), 3), "--eps", "-1");
        assertError("--eps must be > 0");
    }

    @Test
    void blockErrorsNameTheArgument() throws IOException {
        BlockWeights w = BlockWeights.random(12, 20, 1);
        Map<String, NdArray> dict = new LinkedHashMap<>(w.toStateDict());
        Path good = dir.resolve("good.npz");
        Npz.write(good, dict);
        String x = save("x", random(5 * 12), 5, 12);
        run(2, "op", "block", x, good.toString(), "--heads", "5");
        assertError("--heads must be >= 1 and divide d_model = 12");
        run(2, "op", "block", save("x8", random(5 * 8), 5, 8), good.toString(), "--heads", "2");
        assertError("X's last axis must be d_model = 12");
        run(2, "op", "block", x, good.toString(), "--heads", "3", "--activation", "swish");
        assertError("--activation");
        dict.remove("linear2.bias");
        dict.remove("norm1.weight");
        Path missing = dir.resolve("missing.npz");
        Npz.write(missing, dict);
        run(2, "op", "block", x, missing.toString(), "--heads", "3");
        assertError("missing weights [linear2.bias, norm1.weight]");
        dict = new LinkedHashMap<>(w.toStateDict());
        dict.put("linear1.weight", NdArray.of(new float[20 * 11], 20, 11));
        Path wrong = dir.resolve("wrong.npz");
        Npz.write(wrong, dict);
        run(2, "op", "block", x, wrong.toString(), "--heads", "3");
        assertError("linear1.weight must be [20, 12], got float32[20, 11]");
        run(2, "op", "block", x, x, "--heads", "3");
        assertError("WEIGHTS (");
    }

    @Test
    void blockOnPaddedAndPackedBatchesRoundTrips() throws IOException {
        int d = 12, ff = 20, n = 9;
        int[] lengths = {5, 1, 9, 0};
        BlockWeights w = BlockWeights.random(d, ff, rnd.nextLong());
        Path weights = dir.resolve("w.npz");
        Npz.write(weights, w.toStateDict());
        BlockConfig c = BlockConfig.of(d, 3, ff).withActivation(BlockConfig.Activation.GELU);
        float[] x = random(lengths.length * n * d);
        float[] mask = new float[lengths.length * n];
        byte[] boolMask = new byte[mask.length];
        for (int b = 0; b < lengths.length; b++) {
            java.util.Arrays.fill(x, (b * n + lengths[b]) * d, (b + 1) * n * d, Float.NaN); // padding is never read
            java.util.Arrays.fill(mask, b * n, b * n + lengths[b], 1f);
            java.util.Arrays.fill(boolMask, b * n, b * n + lengths[b], (byte) 1);
        }
        String xf = save("x", x, lengths.length, n, d);
        Path boolMaskFile = dir.resolve("bool-mask.npy");
        Npy.write(boolMaskFile, NdArray.ofBool(boolMask, lengths.length, n));
        String packedX = save("packed", packedRows(x, lengths, n, d), 15, d);
        for (String variant : new String[]{"--fused", "--unfused"}) {
            NdArray padded = run(0, "op", "block", xf, weights.toString(), "--heads", "3", "--activation", "gelu",
                    variant, "--lengths", "5,1,9,0");
            assertArrayEquals(new int[]{lengths.length, n, d}, padded.shape());
            float[] y = padded.toFloats();
            for (String[] same : new String[][]{{"--lengths", "5,1,9,0", "--packed"}, {"--mask", save("m", mask, 4, n)},
                    {"--mask", boolMaskFile.toString(), "--packed"}, {"--cu-seqlens", "0,5,6,15,15", "--packed"}}) {
                float[] other = run(0, concat(new String[]{"op", "block", xf, weights.toString(), "--heads", "3",
                        "--activation", "gelu", variant}, same)).toFloats();
                assertArrayEquals(y, other, variant + " " + String.join(" ", same) + " vs --lengths (padded)");
            }
            float[] packed = run(0, "op", "block", packedX, weights.toString(), "--heads", "3", "--activation", "gelu",
                    variant, "--lengths", "5,1,9,0").toFloats();
            assertArrayEquals(packedRows(y, lengths, n, d), packed, variant + " packed X [T, d]");
            int start = 0;
            for (int b = 0; b < lengths.length; b++) {
                float[] alone = java.util.Arrays.copyOfRange(packed, start * d, (start + lengths[b]) * d);
                double[] ref = ReferenceBlock.forward(w, c,
                        java.util.Arrays.copyOfRange(x, b * n * d, (b * n + lengths[b]) * d), 1, lengths[b]);
                for (int i = 0; i < ref.length; i++) {
                    close(ref[i], alone[i], 1e-5 * Math.max(1, Math.abs(ref[i])));
                }
                for (int i = (b * n + lengths[b]) * d; i < (b + 1) * n * d; i++) {
                    assertEquals(0f, y[i], "padding row value at " + i);
                }
                start += lengths[b];
            }
        }
    }

    @Test
    void blockSequenceErrorsNameTheArgument() throws IOException {
        Path weights = dir.resolve("w.npz");
        Npz.write(weights, BlockWeights.random(12, 20, 1).toStateDict());
        String w = weights.toString();
        String padded = save("x", random(2 * 5 * 12), 2, 5, 12);
        String packed = save("p", random(7 * 12), 7, 12);
        run(2, "op", "block", padded, w, "--heads", "3", "--lengths", "3,2,1");
        assertError("--lengths describe 3 sequences but X has 2");
        run(2, "op", "block", padded, w, "--heads", "3", "--lengths", "3,6");
        assertError("--lengths: sequence 1 has 6 tokens, more than the padded length 5");
        run(2, "op", "block", padded, w, "--heads", "3", "--lengths", "3,-1");
        assertError("--lengths: sequence lengths must be >= 0, got -1 at index 1");
        run(2, "op", "block", padded, w, "--heads", "3", "--lengths", "0,0");
        assertError("--lengths: the batch has no tokens");
        run(2, "op", "block", packed, w, "--heads", "3", "--lengths", "3,2");
        assertError("--lengths describe 5 tokens but X has 7 rows");
        run(2, "op", "block", packed, w, "--heads", "3", "--cu-seqlens", "0,5,3,7");
        assertError("--cu-seqlens: sequence offsets must not decrease, got [0, 5, 3, 7]");
        run(2, "op", "block", packed, w, "--heads", "3", "--cu-seqlens", "2,7");
        assertError("--cu-seqlens: sequence offsets must start at 0");
        run(2, "op", "block", padded, w, "--heads", "3", "--mask", save("m", new float[]{1, 1, 0, 0, 0, 1, 2, 0, 0, 0}, 2, 5));
        assertError("--mask: mask values must be 0 or 1, got 2.0 at [1, 1]");
        run(2, "op", "block", padded, w, "--heads", "3", "--mask", save("m", new float[]{1, 0, 1, 0, 0, 1, 0, 0, 0, 0}, 2, 5));
        assertError("--mask: mask row 0 is not a prefix of ones (right padding): 1 at 2 after 0 at 1");
        run(2, "op", "block", padded, w, "--heads", "3", "--mask", save("m", new float[8], 2, 4));
        assertError("--mask must be [2, 5] like X's first two axes, got float32[2, 4]");
        run(2, "op", "block", packed, w, "--heads", "3", "--mask", save("m", new float[7], 1, 7));
        assertError("--mask needs a padded X [B, N, d]");
        run(2, "op", "block", padded, w, "--heads", "3", "--packed");
        assertError("--packed needs --lengths, --cu-seqlens or --mask");
        run(2, "op", "block", padded, w, "--heads", "3", "--lengths", "1,1", "--mask", save("m", new float[10], 2, 5));
        assertError("--lengths, --cu-seqlens and --mask are mutually exclusive");
    }

    private static float[] packedRows(float[] padded, int[] lengths, int n, int d) {
        float[] packed = new float[java.util.Arrays.stream(lengths).sum() * d];
        int t = 0;
        for (int b = 0; b < lengths.length; b++) {
            System.arraycopy(padded, b * n * d, packed, t * d, lengths[b] * d);
            t += lengths[b];
        }
        return packed;
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static void close(double expected, float got, double bound) {
        if (Float.isNaN(got) || !(Math.abs(got - expected) <= bound)) {
            fail("got " + got + " expected " + expected + " (bound " + bound + ")");
        }
    }
}

package dev.squall.engine.jvm.fast;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.squall.engine.compress.CompressedLinear;
import dev.squall.engine.compress.RowWeights;
import dev.squall.engine.compress.WeightFormats;
import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.Profile;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.jvm.FastPaths;
import dev.squall.engine.jvm.JvmBackend;
import dev.squall.engine.jvm.fast.gemm.GemmVectorTest;
import dev.squall.engine.jvm.fast.driver.RowGemmDriver;
import dev.squall.engine.jvm.fast.quant.BlockQ4Vector;
import dev.squall.engine.jvm.fast.quant.Int8ActivationsVector;
import dev.squall.engine.layers.LinearLayer;
import dev.squall.tasks.activation.Activations;
import dev.squall.tasks.gemm.GemmReference;
import dev.squall.tasks.quant.BlockQ4;
import dev.squall.tasks.quant.Int8Activations;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every compressed-weight fast path against its plain kernel, through the layers that run them, on random
 * awkward shapes: GEMV and GEMM ({@code m} around {@link RowGemmDriver#MIN_ROWS} and {@link RowGemmDriver#MT}),
 * {@code k} not a multiple of the block, of a vector or of the depth blocks, odd output counts (an unpaired
 * last row). Both must be within the fp32 bound of the float64 product with the dequantised weight, so they
 * agree within twice that bound; the fast path must actually run (the profile names it) and give bit-identical
 * results for any thread count.
 */
class CompressedFastPathsTest {
    private static final int[][] SHAPES = {{1, 9, 36}, {3, 17, 100}, {7, 5, 260}, {8, 33, 64}, {33, 7, 300},
            {70, 12, 516}, {40, 65, 1032}, {1, 9, 1100}, {5, 6, 520}};
    private static JvmBackend plain;
    private static JvmBackend fast;
    private static JvmBackend fast3;

    @BeforeAll
    static void start() {
        plain = new JvmBackend(2, FastPaths.none());
        fast = new JvmBackend(2);
        fast3 = new JvmBackend(3);
    }

    @AfterAll
    static void stop() {
        plain.close();
        fast.close();
        fast3.close();
    }

    /** A random layer of {@code format}, its dequantised weight and activations, for a shape {M, N, K}. */
    private record Case(int m, int n, int k, RowWeights w, LinearLayer layer, float[] dense, float[] x) {
        static Case of(String format, int[] shape, RandomArrays rnd) {
            int n = shape[1];
            int k = shape[2];
            RowWeights w = new RowWeights(rnd.gaussian(n * k), rnd.gaussian(n), n, k);
            LinearLayer layer = WeightFormats.parse(format).compress(List.of(w)).get(0);
            return new Case(shape[0], n, k, w, layer, ((CompressedLinear) layer).dequantize(),
                    rnd.gaussian(shape[0] * k));
        }

        String shape() {
            return "M=" + m + " N=" + n + " K=" + k;
        }

        /** The fp32 bound's scale of {@code x·denseᵀ (+ bias)}. */
        double[] scale(boolean bias) {
            return GemmReference.scale(x, dense, w.bias(), m, n, k, true, bias);
        }

        /** {@code act(x·denseᵀ (+ bias))} in float64. */
        double[] reference(boolean bias, int activation) {
            double[] product = GemmReference.product(x, dense, m, n, k, true);
            return GemmReference.epilogue(product, w.bias(), n, bias, activation);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"fp32-rows", "fp16", "bf16", "q8_0", "q4_0", "int8", "int8g:32", "int8g:12", "ternary",
            "binary", "pruned:0.8", "2:4"})
    void fastPathMatchesThePlainKernel(String format) {
        for (int[] s : SHAPES) {
            RandomArrays rnd = RandomArrays.fresh();
            Case c = Case.of(format, s, rnd);
            for (int[] e : new int[][] {{0, Activations.IDENTITY}, {1, Activations.RELU}}) {
                Subject subject = Subject.of(format + " fast path", c.shape() + " bias=" + e[0], rnd.seed())
                        .rowsOf(c.n());
                float[] yPlain = run(plain, c.layer(), c.x(), c.m(), e[0] != 0, e[1], null);
                float[] yFast = run(fast, c.layer(), c.x(), c.m(), e[0] != 0, e[1], "vector");
                assertArrayEquals(yFast, run(fast3, c.layer(), c.x(), c.m(), e[0] != 0, e[1], "vector"),
                        subject + ": 2 vs 3 threads");
                double[] scale = c.scale(e[0] != 0);
                Tolerance.FP32.assertClose(subject.with("vs float64"), yFast, c.reference(e[0] != 0, e[1]), scale);
                Tolerance.relative(2e-5).assertClose(subject.with("vs plain kernel"), yFast,
                        GemmVectorTest.toDouble(yPlain), scale);
            }
        }
    }

    /**
     * Activations quantised at run time (to int8 per row: w8a8 with and without outliers, ternary-a8; to Q8_0
     * blocks: q4_0-a8): fast (fp32 sums of the
     * exact products) against plain (int sums), within twice the fp32 bound of {@code Σ_p |x̂_ip||ŵ_jp|},
     * {@code |x̂| <= |x| + s_x/2}; the GEMVs of ternary-a8 and w8a8 sum in integers too and must equal the plain
     * kernel exactly.
     */
    @ParameterizedTest
    @ValueSource(strings = {"w8a8", "w8a8:2.5", "ternary-a8", "ternary-a8:row", "q4_0-a8"})
    void int8ActivationsMatchThePlainKernels(String format) {
        for (int[] s : SHAPES) {
            RandomArrays rnd = RandomArrays.fresh();
            Case c = Case.of(format, s, rnd);
            float[] xHat = new float[c.m() * c.k()];
            for (int i = 0; i < c.m(); i++) {
                float amax = 0f;
                for (int p = 0; p < c.k(); p++) {
                    amax = Math.max(amax, Math.abs(c.x()[i * c.k() + p]));
                }
                // half a step, s_x/2 = amax/254; Q8_0 blocks also round their scale to fp16: (1/2 + 127·2⁻¹¹)·d_x
                float slack = format.startsWith("q4_0") ? amax / 127 * 0.5625f : amax / 254;
                for (int p = 0; p < c.k(); p++) {
                    xHat[i * c.k() + p] = Math.abs(c.x()[i * c.k() + p]) + slack;
                }
            }
            double[] scale = GemmReference.scale(xHat, c.dense(), c.w().bias(), c.m(), c.n(), c.k(), true, true);
            float[] yPlain = run(plain, c.layer(), c.x(), c.m(), true, Activations.IDENTITY, null);
            float[] yFast = run(fast, c.layer(), c.x(), c.m(), true, Activations.IDENTITY, "vector");
            assertArrayEquals(yFast, run(fast3, c.layer(), c.x(), c.m(), true, Activations.IDENTITY, "vector"));
            if ((format.startsWith("ternary-a8") || format.equals("w8a8")) && c.m() < RowGemmDriver.MIN_ROWS) {
                assertArrayEquals(yPlain, yFast, format + " GEMV: exact integer sums, " + c.shape());
            }
            double[] plainAsDouble = new double[yPlain.length];
            for (int i = 0; i < yPlain.length; i++) {
                plainAsDouble[i] = yPlain[i];
            }
            Tolerance.relative(2e-5).assertClose(Subject.of(format + " fast path", c.shape(),
                    rnd.seed()).rowsOf(c.n()), yFast, plainAsDouble, scale);
        }
    }

    /**
     * The int8 GEMV's extremes, called directly: weights of −128 and 127 with activations of ±127 (the largest
     * 16-bit pair sums) equal the plain kernel's integer sums exactly; an activation of −128, which the quantiser
     * never makes but a caller may pass, takes the float path and stays within its bound.
     */
    @Test
    void int8GemvAtTheExtremesOfItsLanes() {
        int n = 5;
        int k = 32 * 9 + 5;
        byte[] qw = new byte[n * k];
        byte[] qx = new byte[k];
        for (int p = 0; p < k; p++) {
            qx[p] = (byte) (p % 3 == 0 ? -127 : 127);
            for (int j = 0; j < n; j++) {
                qw[j * k + p] = (byte) ((p + j) % 2 == 0 ? -128 : 127);
            }
        }
        float[] sx = {0.5f};
        float[] sw = {1f, 0.25f, 3f, 1e-3f, 7f};
        float[] plainY = new float[n];
        float[] fastY = new float[n];
        Int8Activations.gemm(qx, sx, qw, sw, null, plainY, 1, n, k, 0, Activations.IDENTITY, 0, n);
        Int8ActivationsVector.gemm(qx, sx, qw, sw, null, fastY, 1, n, k, 0, Activations.IDENTITY, 1, n - 1);
        Int8ActivationsVector.gemm(qx, sx, qw, sw, null, fastY, 1, n, k, 0, Activations.IDENTITY, 0, 1);
        assertArrayEquals(plainY, fastY, "pair sums at ±2·128·127");

        qx[40] = Byte.MIN_VALUE;
        Int8Activations.gemm(qx, sx, qw, sw, null, plainY, 1, n, k, 0, Activations.IDENTITY, 0, n);
        java.util.Arrays.fill(fastY, Float.NaN);
        Int8ActivationsVector.gemm(qx, sx, qw, sw, null, fastY, 1, n, k, 0, Activations.IDENTITY, 0, n);
        for (int j = 0; j < n; j++) {
            assertEquals(plainY[j], fastY[j], 1e-5 * 128 * 128 * k * sx[0] * sw[j], "an activation of -128, row " + j);
        }
    }

    /**
     * The Q4 × Q8 GEMV's extremes, called directly: nibbles 0 and 15 (weights −8 and 7) against activations of
     * ±127, the largest 16-bit lane sums (4·15·127, two of them added in one lane's upper half). With unit
     * scales every sum is a small integer, exact in fp32 in any order, so fast and plain must agree exactly.
     */
    @Test
    void q4TimesQ8GemvAtTheExtremesOfItsLanes() {
        int n = 6;
        for (int k : new int[] {64, 192, 200}) {
            int blocks = (k + 31) / 32;
            byte[] qs = new byte[n * blocks * 16];
            short[] d = new short[n * blocks];
            byte[] xq = new byte[blocks * 32];
            short[] xd = new short[blocks];
            java.util.Arrays.fill(d, Float.floatToFloat16(1f));
            java.util.Arrays.fill(xd, Float.floatToFloat16(1f));
            byte[] patterns = {(byte) 0xff, 0x00, 0x0f, (byte) 0xf0, (byte) 0xff, 0x00};
            for (int j = 0; j < n; j++) {
                java.util.Arrays.fill(qs, j * blocks * 16, (j + 1) * blocks * 16, patterns[j]);
            }
            for (int p = 0; p < k; p++) {
                xq[p] = (byte) (p % 5 == 0 ? -127 : 127);
            }
            float[] plainY = new float[n];
            float[] fastY = new float[n];
            BlockQ4.gemmQ8(xq, xd, qs, d, null, plainY, 1, n, k, 0, Activations.IDENTITY, 0, n);
            BlockQ4Vector.gemmQ8(xq, xd, qs, d, null, fastY, 1, n, k, 0, Activations.IDENTITY, 0, n);
            assertArrayEquals(plainY, fastY, "K=" + k);
        }
    }

    /**
     * A Q4_0 scale that overflows fp16 (a weight above 8·65504) makes the plain kernel's sum infinite or NaN; the
     * integer GEMV takes the plain loop for the rows it was given with that one and gives the same value; the other
     * rows stay within the fp32 bound.
     */
    @Test
    void q4TimesQ8WithAnInfiniteScaleMatchesThePlainKernel() {
        RandomArrays rnd = RandomArrays.fresh();
        int n = 7;
        int k = 600;
        float[] w = rnd.gaussian(n * k);
        w[2 * k + 40] = 1e6f;
        LinearLayer layer = WeightFormats.parse("q4_0-a8").compress(List.of(new RowWeights(w, new float[n], n, k)))
                .get(0);
        float[] x = rnd.gaussian(k);
        float[] yPlain = run(plain, layer, x, 1, false, Activations.IDENTITY, null);
        float[] yFast = run(fast, layer, x, 1, false, Activations.IDENTITY, "vector");
        assertTrue(!Float.isFinite(yPlain[2]), "the overflowing row is not finite: " + yPlain[2]);
        assertEquals(Float.floatToIntBits(yPlain[2]), Float.floatToIntBits(yFast[2]), "the overflowing row");
        double[] scale = GemmReference.scale(x, ((CompressedLinear) layer).dequantize(), new float[n], 1, n, k, true,
                false);
        for (int j = 0; j < n; j++) {
            if (j != 2) {
                assertEquals(yPlain[j], yFast[j], 4e-5 * scale[j], "row " + j);
            }
        }
    }

    private static float[] run(JvmBackend backend, LinearLayer layer, float[] x, int rows, boolean bias, int activation,
                               String implementation) {
        float[] y = new float[rows * layer.out()];
        TaskGraph g = new TaskGraph("layer").transferToDevice(DataTransferMode.FIRST_EXECUTION,
                layer.weightArrays().toArray()).transferToDevice(DataTransferMode.EVERY_EXECUTION, x);
        layer.addTo(g, "linear", x, y, rows, bias, activation);
        Profile p = backend.plan(g).execute();
        List<Profile.TaskProfile> tasks = p.graphs().get(0).tasks();
        if (implementation != null) {
            assertEquals(implementation, tasks.get(tasks.size() - 1).implementation(), "fast path ran");
        }
        assertTrue(y.length == 0 || !Float.isNaN(y[0]));
        return y;
    }
}

package dev.squall.tasks.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.squall.tasks.activation.Activations;
import dev.squall.tasks.gemm.GemmReference;
import dev.squall.tasks.gemm.WeightRowsCheck;
import dev.squall.tasks.testing.Poison;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import org.junit.jupiter.api.Test;

/**
 * The LLM.int8-style kernels of {@link Int8Activations}:
 * <ul>
 *   <li>the outlier flags and the activation quantisation equal their definitions exactly (an independent
 *       roundf: ties away from zero);</li>
 *   <li>both GEMMs equal the float64 product of the dequantised operands, {@code (s_x q_x)·(s_w q_w)ᵀ} plus
 *       {@code x·(s_w q_w)ᵀ} over the outlier columns, within the fp32 bound;</li>
 *   <li>against the fp32 product with the dequantised weight, the error stays within the quantisation bound
 *       {@code Σ_p |ŵ_jp|·s_x[i]/2} (activation rounding), and an outlier column shows why the variant exists:
 *       with it the bound holds with the outlier excluded from {@code s_x}.</li>
 * </ul>
 */
class Int8ActivationsTest {
    @Test
    void quantisationMatchesItsDefinition() {
        RandomArrays rnd = RandomArrays.fresh();
        int m = 7;
        int k = 45;
        float[] x = rnd.gaussian(m * k, 0, 2);
        x[3 * k + 5] = 40f;
        x[3 * k + 6] = 0.5f * 40f / 127f * 3; // an exact tie at 1.5 units once scaled (1.5 → 2 away from zero)
        for (int p = 0; p < k; p++) {
            x[5 * k + p] = 0f; // an all-zero row: scale 0, zeros
        }
        int[] flags = new int[k];
        Int8Activations.outlierColumns(x, flags, m, k, 6f, 0, k);
        byte[] qx = new byte[m * k];
        float[] sx = Poison.array(m);
        RowSlices.run(Subject.of("Int8Activations.quantizeRows", m + "x" + k, rnd.seed()), rnd, m,
                (off, cnt) -> Int8Activations.quantizeRows(x, flags, qx, sx, k, off, cnt), sx);
        for (int p = 0; p < k; p++) {
            boolean outlier = false;
            for (int i = 0; i < m; i++) {
                outlier |= Math.abs(x[i * k + p]) > 6f;
            }
            assertEquals(outlier ? 1 : 0, flags[p], "flag of column " + p);
        }
        assertEquals(1, flags[5]);
        for (int i = 0; i < m; i++) {
            float amax = 0f;
            for (int p = 0; p < k; p++) {
                amax = flags[p] == 0 ? Math.max(amax, Math.abs(x[i * k + p])) : amax;
            }
            float s = amax / 127f;
            assertEquals(s, sx[i], "scale of row " + i);
            float inv = s != 0f ? 1f / s : 0f;
            for (int p = 0; p < k; p++) {
                float v = x[i * k + p] * inv;
                int expected = flags[p] != 0 ? 0 : (int) Math.copySign(Math.floor(Math.abs((double) v) + 0.5), v);
                assertEquals(expected, qx[i * k + p], "q of (" + i + ", " + p + ") " + Subject.of("", "", rnd.seed()));
            }
        }
        assertEquals(0f, sx[5]);
    }

    @Test
    void gemmsEqualTheDequantisedProducts() {
        for (int[] s : WeightRowsCheck.SHAPES) {
            for (boolean withOutliers : new boolean[] {false, true}) {
                check(s[0], s[1], s[2], withOutliers);
            }
        }
    }

    private static void check(int m, int n, int k, boolean withOutliers) {
        RandomArrays rnd = RandomArrays.fresh();
        float[] x = rnd.gaussian(m * k);
        if (withOutliers) {
            for (int i = 0; i < m; i++) {
                x[i * k + (k - 1) / 2] = 30f * (i % 2 == 0 ? 1 : -1);
            }
        }
        byte[] qw = new byte[n * k];
        for (int i = 0; i < qw.length; i++) {
            qw[i] = (byte) rnd.nextInt(-127, 127);
        }
        float[] sw = rnd.uniform(n, 0.001, 0.02);
        int[] flags = new int[k];
        Int8Activations.outlierColumns(x, flags, m, k, withOutliers ? 6f : Float.POSITIVE_INFINITY, 0, k);
        byte[] qx = new byte[m * k];
        float[] sx = new float[m];
        Int8Activations.quantizeRows(x, flags, qx, sx, k, 0, m);

        float[] xHat = new float[m * k];
        float[] xOutliers = new float[m * k];
        float[] w = new float[n * k];
        for (int i = 0; i < m * k; i++) {
            xHat[i] = sx[i / k] * qx[i];
            xOutliers[i] = flags[i % k] != 0 ? x[i] : 0f;
        }
        for (int i = 0; i < n * k; i++) {
            w[i] = sw[i / k] * qw[i];
        }
        for (int[] e : WeightRowsCheck.EPILOGUES) {
            float[] bias = e[0] != 0 ? rnd.gaussian(n) : Poison.array(n);
            float[] y = new float[m * n];
            Subject subject = Subject.of("Int8Activations." + (withOutliers ? "gemmWithOutliers" : "gemm"),
                    "M=" + m + " N=" + n + " K=" + k + " epilogue=" + e[0] + "/" + e[1], rnd.seed()).rowsOf(n);
            RowSlices.run(subject, rnd, n, (off, cnt) -> {
                if (withOutliers) {
                    Int8Activations.gemmWithOutliers(qx, sx, x, flags, qw, sw, bias, y, m, n, k, e[0], e[1], off, cnt);
                } else {
                    Int8Activations.gemm(qx, sx, qw, sw, bias, y, m, n, k, e[0], e[1], off, cnt);
                }
            }, y);
            double[] acc = GemmReference.product(xHat, w, m, n, k, true);
            double[] outl = GemmReference.product(xOutliers, w, m, n, k, true);
            double[] scale = GemmReference.scale(xHat, w, bias, m, n, k, true, e[0] != 0);
            double[] outlScale = GemmReference.absProduct(xOutliers, w, m, n, k, true);
            for (int i = 0; i < acc.length; i++) {
                acc[i] += outl[i];
                scale[i] += outlScale[i];
            }
            Tolerance.FP32.assertClose(subject, y, GemmReference.epilogue(acc, bias, n, e[0] != 0, e[1]), scale);
            if (e[0] == 0) {
                quantisationErrorWithinBound(subject, x, w, y, sx, flags, m, n, k);
            }
        }
    }

    /** {@code |y − x·ŵᵀ| <= Σ_{p not outlier} |ŵ_jp|·s_x[i]·(1/2 + 2⁻¹⁶)}, the activation rounding, plus fp32 slack. */
    private static void quantisationErrorWithinBound(Subject subject, float[] x, float[] w, float[] y, float[] sx,
                                                     int[] flags, int m, int n, int k) {
        double[] exact = GemmReference.product(x, w, m, n, k, true);
        double[] fp32Scale = GemmReference.absProduct(x, w, m, n, k, true);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double bound = 0;
                for (int p = 0; p < k; p++) {
                    bound += flags[p] == 0 ? Math.abs(w[j * k + p]) * sx[i] * (0.5 + 0x1p-16) : 0;
                }
                double err = Math.abs(y[i * n + j] - exact[i * n + j]);
                double limit = bound + 2e-5 * fp32Scale[i * n + j];
                assertTrue(err <= limit, subject + " quantisation error at (" + i + ", " + j + "): " + err + " > "
                        + limit);
            }
        }
    }

    @Test
    void outlierColumnsKeepTheOtherActivationsPrecise() {
        RandomArrays rnd = RandomArrays.fresh();
        int m = 4;
        int n = 16;
        int k = 256;
        float[] x = rnd.gaussian(m * k);
        for (int i = 0; i < m; i++) {
            x[i * k + 17] = 60f;
        }
        byte[] qw = new byte[n * k];
        for (int i = 0; i < qw.length; i++) {
            qw[i] = (byte) rnd.nextInt(-127, 127);
        }
        float[] sw = rnd.uniform(n, 0.001, 0.002);
        float[] w = new float[n * k];
        for (int i = 0; i < w.length; i++) {
            w[i] = sw[i / k] * qw[i];
        }
        double[] exact = GemmReference.product(x, w, m, n, k, true);
        double plain = relativeError(run(x, qw, sw, m, n, k, Float.POSITIVE_INFINITY), exact);
        double split = relativeError(run(x, qw, sw, m, n, k, 6f), exact);
        assertTrue(split < plain / 4, "outlier split error " + split + " vs plain " + plain + " "
                + Subject.of("", "", rnd.seed()));
    }

    private static float[] run(float[] x, byte[] qw, float[] sw, int m, int n, int k, float threshold) {
        int[] flags = new int[k];
        Int8Activations.outlierColumns(x, flags, m, k, threshold, 0, k);
        byte[] qx = new byte[m * k];
        float[] sx = new float[m];
        Int8Activations.quantizeRows(x, flags, qx, sx, k, 0, m);
        float[] y = new float[m * n];
        Int8Activations.gemmWithOutliers(qx, sx, x, flags, qw, sw, new float[n], y, m, n, k, 0, Activations.IDENTITY,
                0, n);
        float[] viaPlain = new float[m * n];
        Int8Activations.gemm(qx, sx, qw, sw, new float[n], viaPlain, m, n, k, 0, Activations.IDENTITY, 0, n);
        if (threshold == Float.POSITIVE_INFINITY) {
            assertArrayEquals(viaPlain, y, "no outliers: both kernels agree");
        }
        return y;
    }

    private static double relativeError(float[] y, double[] exact) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < y.length; i++) {
            num += (y[i] - exact[i]) * (y[i] - exact[i]);
            den += exact[i] * exact[i];
        }
        return Math.sqrt(num / den);
    }
}

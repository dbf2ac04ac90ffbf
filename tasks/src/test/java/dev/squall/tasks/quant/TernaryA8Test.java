package dev.squall.tasks.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.squall.tasks.gemm.GemmReference;
import dev.squall.tasks.gemm.WeightRowsCheck;
import dev.squall.tasks.testing.Poison;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import org.junit.jupiter.api.Test;

/**
 * {@link TernaryA8#gemm} (W1.58A8) against its definition: codes written by an independent packer from the
 * layout's description (padding codes are 2, a +1 weight, so reading one would show), activations quantised
 * by {@link Int8Activations#quantizeRows}. Without an epilogue the output is exactly
 * {@code fp32(Σ t·q_x)·(s_x·γ)} with the sum taken in {@code long}; with one it equals the float64 product of
 * the dequantised operands within the fp32 bound.
 */
class TernaryA8Test {
    private static final int[][] SHAPES = {{1, 1, 1}, {1, 7, 127}, {3, 5, 128}, {2, 9, 129}, {5, 17, 300},
            {1, 33, 130}, {4, 3, 256}, {2, 4, 8}};

    @Test
    void matchesItsDefinition() {
        for (int[] s : SHAPES) {
            RandomArrays rnd = RandomArrays.fresh();
            int m = s[0];
            int n = s[1];
            int k = s[2];
            int groups = (k + 127) / 128;
            int[] t = new int[n * k];
            int[] codes = new int[n * groups * 8];
            for (int j = 0; j < n; j++) {
                for (int p = 0; p < groups * 128; p++) {
                    int v = p < k ? rnd.nextInt(-1, 1) : 1;
                    if (p < k) {
                        t[j * k + p] = v;
                    }
                    int g = p / 128;
                    int lane = p % 16;
                    int shift = p % 128 / 16;
                    codes[(j * groups + g) * 8 + lane / 2] |= (v + 1) << (16 * (lane % 2) + 2 * shift);
                }
            }
            float[] scales = rnd.uniform(n, 0.01, 0.1);
            float[] x = rnd.gaussian(m * k);
            byte[] qx = new byte[m * k];
            float[] sx = new float[m];
            Int8Activations.quantizeRows(x, new int[k], qx, sx, k, 0, m);
            float[] xHat = new float[m * k];
            float[] w = new float[n * k];
            for (int i = 0; i < m * k; i++) {
                xHat[i] = sx[i / k] * qx[i];
            }
            for (int i = 0; i < n * k; i++) {
                w[i] = scales[i / k] * t[i];
            }
            for (int[] e : WeightRowsCheck.EPILOGUES) {
                float[] bias = e[0] != 0 ? rnd.gaussian(n) : Poison.array(n);
                float[] y = new float[m * n];
                Subject subject = Subject.of("TernaryA8.gemm", "M=" + m + " N=" + n + " K=" + k + " epilogue=" + e[0]
                        + "/" + e[1], rnd.seed()).rowsOf(n);
                RowSlices.run(subject, rnd, n, (off, cnt) -> TernaryA8.gemm(qx, sx, codes, scales, bias, y, m, n, k,
                        e[0], e[1], off, cnt), y);
                Tolerance.FP32.assertClose(subject, y, GemmReference.epilogue(GemmReference.product(xHat, w, m, n, k,
                        true), bias, n, e[0] != 0, e[1]), GemmReference.scale(xHat, w, bias, m, n, k, true, e[0] != 0));
                if (e[0] == 0) {
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < n; j++) {
                            long sum = 0;
                            for (int p = 0; p < k; p++) {
                                sum += (long) t[j * k + p] * qx[i * k + p];
                            }
                            assertEquals((float) sum * (sx[i] * scales[j]), y[i * n + j], subject + " at (" + i + ", "
                                    + j + ")");
                        }
                    }
                }
            }
        }
    }
}

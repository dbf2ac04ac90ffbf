package dev.squall.tasks.quant;

import dev.squall.tasks.gemm.WeightRowsCheck;
import dev.squall.tasks.testing.RandomArrays;
import org.junit.jupiter.api.Test;

/**
 * {@link Int8Weights#gemm} equals the float64 GEMM with {@code ŵ[j, p] = s[j, p / G]·q[j, p]}, for per-row
 * scales ({@code G = k}) and groups of 1, 8, 32 and 7 (a size that leaves a partial last group).
 */
class Int8WeightsTest {
    @Test
    void matchesTheDequantisedProductForEveryGroupSize() {
        for (int[] s : WeightRowsCheck.SHAPES) {
            for (int g : new int[] {s[2], 1, 8, 32, 7}) {
                check(s[0], s[1], s[2], g);
            }
        }
    }

    private static void check(int m, int n, int k, int groupSize) {
        RandomArrays rnd = RandomArrays.fresh();
        int groups = (k + groupSize - 1) / groupSize;
        byte[] q = new byte[n * k];
        float[] scales = rnd.uniform(n * groups, -0.02, 0.02);
        float[] w = new float[n * k];
        for (int j = 0; j < n; j++) {
            for (int p = 0; p < k; p++) {
                q[j * k + p] = (byte) rnd.nextInt(-127, 127);
                w[j * k + p] = scales[j * groups + p / groupSize] * q[j * k + p];
            }
        }
        WeightRowsCheck.check("Int8Weights.gemm G=" + groupSize, rnd, m, n, k, w,
                (x, bias, y, mm, nn, kk, hb, act, off, cnt) -> Int8Weights.gemm(x, q, scales, bias, y, mm, nn, kk,
                        groupSize, hb, act, off, cnt));
    }
}

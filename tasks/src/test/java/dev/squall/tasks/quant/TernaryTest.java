package dev.squall.tasks.quant;

import dev.squall.tasks.gemm.WeightRowsCheck;
import dev.squall.tasks.testing.RandomArrays;
import org.junit.jupiter.api.Test;

/**
 * {@link Ternary#gemm} equals the float64 GEMM with {@code ŵ[j, p] = γ_j · t}, {@code t} read from the two bit
 * planes (+1 plane, −1 plane) of each 32-weight word. Padding bits beyond {@code k} are set in the +1 plane,
 * so reading one would show.
 */
class TernaryTest {
    @Test
    void matchesTheDequantisedProduct() {
        for (int[] s : WeightRowsCheck.SHAPES) {
            RandomArrays rnd = RandomArrays.fresh();
            int n = s[1];
            int k = s[2];
            int words = (k + 31) / 32;
            int[] planes = new int[n * words * 2];
            float[] scales = rnd.uniform(n, 0.01, 0.1);
            float[] w = new float[n * k];
            for (int j = 0; j < n; j++) {
                for (int p = 0; p < words * 32; p++) {
                    int word = (j * words + p / 32) * 2;
                    int t = p < k ? rnd.nextInt(-1, 1) : 1;
                    planes[word] |= (t == 1 ? 1 : 0) << (p % 32);
                    planes[word + 1] |= (t == -1 ? 1 : 0) << (p % 32);
                    if (p < k) {
                        w[j * k + p] = scales[j] * t;
                    }
                }
            }
            WeightRowsCheck.check("Ternary.gemm", rnd, s[0], n, k, w,
                    (x, bias, y, m, nn, kk, hb, act, off, cnt) -> Ternary.gemm(x, planes, scales, bias, y, m, nn, kk,
                            hb, act, off, cnt));
        }
    }
}

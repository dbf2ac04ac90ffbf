package dev.squall.tasks.quant;

import dev.squall.tasks.gemm.WeightRowsCheck;
import dev.squall.tasks.testing.RandomArrays;
import org.junit.jupiter.api.Test;

/**
 * {@link Binary#gemm} equals the float64 GEMM with {@code ŵ[j, p] = α_j · (bit ? +1 : −1)}. Padding bits
 * beyond {@code k} are random; any read of one would show.
 */
class BinaryTest {
    @Test
    void matchesTheDequantisedProduct() {
        for (int[] s : WeightRowsCheck.SHAPES) {
            RandomArrays rnd = RandomArrays.fresh();
            int n = s[1];
            int k = s[2];
            int words = (k + 31) / 32;
            int[] bits = new int[n * words];
            float[] scales = rnd.uniform(n, 0.01, 0.1);
            float[] w = new float[n * k];
            for (int j = 0; j < n; j++) {
                for (int p = 0; p < words * 32; p++) {
                    boolean one = rnd.chance(0.5);
                    bits[j * words + p / 32] |= (one ? 1 : 0) << (p % 32);
                    if (p < k) {
                        w[j * k + p] = one ? scales[j] : -scales[j];
                    }
                }
            }
            WeightRowsCheck.check("Binary.gemm", rnd, s[0], n, k, w,
                    (x, bias, y, m, nn, kk, hb, act, off, cnt) -> Binary.gemm(x, bits, scales, bias, y, m, nn, kk, hb,
                            act, off, cnt));
        }
    }
}

package dev.squall.tasks.quant;

import dev.squall.tasks.gemm.WeightRowsCheck;
import dev.squall.tasks.testing.RandomArrays;
import org.junit.jupiter.api.Test;

/**
 * {@link BlockQ8#gemm} equals the float64 GEMM with the dequantised weight {@code ŵ = fp16(d)·q}, on random
 * blocks (any int8, scales of random sign and magnitude, normal and subnormal halves). Padding weights of a
 * last partial block hold 127, so reading one would show.
 */
class BlockQ8Test {
    @Test
    void matchesTheDequantisedProduct() {
        for (int[] s : WeightRowsCheck.SHAPES) {
            RandomArrays rnd = RandomArrays.fresh();
            int n = s[1];
            int k = s[2];
            int blocks = (k + 31) / 32;
            byte[] qs = new byte[n * blocks * 32];
            short[] d = new short[n * blocks];
            float[] w = new float[n * k];
            for (int j = 0; j < n; j++) {
                for (int b = 0; b < blocks; b++) {
                    int block = j * blocks + b;
                    d[block] = Float.floatToFloat16((float) rnd.nextDouble(-0.05, 0.05));
                    for (int t = 0; t < 32; t++) {
                        int p = b * 32 + t;
                        qs[block * 32 + t] = p < k ? (byte) rnd.nextInt(-128, 127) : 127;
                        if (p < k) {
                            w[j * k + p] = Float.float16ToFloat(d[block]) * qs[block * 32 + t];
                        }
                    }
                }
            }
            WeightRowsCheck.check("BlockQ8.gemm", rnd, s[0], n, k, w,
                    (x, bias, y, m, nn, kk, hb, act, off, cnt) -> BlockQ8.gemm(x, qs, d, bias, y, m, nn, kk, hb, act,
                            off, cnt));
        }
    }
}

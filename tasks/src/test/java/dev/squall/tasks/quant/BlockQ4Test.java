package dev.squall.tasks.quant;

import dev.squall.tasks.gemm.WeightRowsCheck;
import dev.squall.tasks.testing.RandomArrays;
import org.junit.jupiter.api.Test;

/**
 * {@link BlockQ4#gemm} equals the float64 GEMM with the dequantised weight {@code ŵ = fp16(d)·(nibble − 8)},
 * where byte {@code t} of a block holds weight {@code t} low and {@code t + 16} high, on random bytes. Padding
 * nibbles of a partial last block are 15 (weight 7·d), so reading one would show.
 */
class BlockQ4Test {
    @Test
    void matchesTheDequantisedProduct() {
        for (int[] s : WeightRowsCheck.SHAPES) {
            RandomArrays rnd = RandomArrays.fresh();
            int n = s[1];
            int k = s[2];
            int blocks = (k + 31) / 32;
            byte[] qs = new byte[n * blocks * 16];
            short[] d = new short[n * blocks];
            float[] w = new float[n * k];
            for (int j = 0; j < n; j++) {
                for (int b = 0; b < blocks; b++) {
                    int block = j * blocks + b;
                    d[block] = Float.floatToFloat16((float) rnd.nextDouble(-0.1, 0.1));
                    float scale = Float.float16ToFloat(d[block]);
                    for (int t = 0; t < 16; t++) {
                        int lo = b * 32 + t < k ? rnd.nextInt(0, 15) : 15;
                        int hi = b * 32 + t + 16 < k ? rnd.nextInt(0, 15) : 15;
                        qs[block * 16 + t] = (byte) (lo | hi << 4);
                        if (b * 32 + t < k) {
                            w[j * k + b * 32 + t] = scale * (lo - 8);
                        }
                        if (b * 32 + t + 16 < k) {
                            w[j * k + b * 32 + t + 16] = scale * (hi - 8);
                        }
                    }
                }
            }
            WeightRowsCheck.check("BlockQ4.gemm", rnd, s[0], n, k, w,
                    (x, bias, y, m, nn, kk, hb, act, off, cnt) -> BlockQ4.gemm(x, qs, d, bias, y, m, nn, kk, hb, act,
                            off, cnt));
        }
    }
}

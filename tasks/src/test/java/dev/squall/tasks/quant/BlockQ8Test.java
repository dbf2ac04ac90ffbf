package dev.squall.tasks.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.squall.tasks.gemm.WeightRowsCheck;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * {@link BlockQ8#gemm} equals the float64 GEMM with the dequantised weight {@code ŵ = fp16(d)·q}, on random
 * blocks (any int8, scales of random sign and magnitude, normal and subnormal halves). Padding weights of a
 * last partial block hold 127, so reading one would show. {@link BlockQ8#quantizeRows} equals ggml's
 * {@code quantize_row_q8_0_ref} written out independently here, padding included, on rows of awkward lengths
 * with an all-zero block, an exact rounding tie and values of very different magnitude.
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

    @Test
    void quantizeRowsMatchesGgml() {
        for (int k : new int[] {1, 31, 32, 33, 100}) {
            RandomArrays rnd = RandomArrays.fresh();
            int m = 5;
            int blocks = (k + 31) / 32;
            float[] x = rnd.logUniform(m * k, 1e-3, 1e2);
            for (int p = 0; p < Math.min(k, 32); p++) {
                x[2 * k + p] = 0f;
            }
            x[3 * k] = 127f;
            x[3 * k + Math.min(k / 2, 31)] = k > 1 ? 2.5f : 127f; // scale 1 in the first block: a tie, rounded to 3
            byte[] qs = new byte[m * blocks * 32];
            short[] d = new short[m * blocks];
            Arrays.fill(qs, (byte) 0x55);
            Arrays.fill(d, (short) 0x7e00);
            Subject subject = Subject.of("BlockQ8.quantizeRows", m + "x" + k, rnd.seed());
            RowSlices.run(subject, rnd, m, (off, cnt) -> BlockQ8.quantizeRows(x, qs, d, k, off, cnt));
            for (int i = 0; i < m; i++) {
                for (int b = 0; b < blocks; b++) {
                    float amax = 0f;
                    for (int p = b * 32; p < Math.min(k, b * 32 + 32); p++) {
                        amax = Math.max(amax, Math.abs(x[i * k + p]));
                    }
                    float scale = amax / 127f;
                    float id = scale == 0f ? 0f : 1f / scale;
                    assertEquals(Float.floatToFloat16(scale), d[i * blocks + b], subject + " scale of block " + b);
                    for (int t = 0; t < 32; t++) {
                        int p = b * 32 + t;
                        float v = p < k ? x[i * k + p] * id : 0f;
                        long expected = (long) Math.copySign(Math.floor(Math.abs((double) v) + 0.5), v);
                        assertEquals(expected, qs[(i * blocks + b) * 32 + t], subject + " q at row " + i + " p " + p);
                    }
                }
            }
        }
    }
}

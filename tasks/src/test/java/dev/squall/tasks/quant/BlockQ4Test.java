package dev.squall.tasks.quant;

import dev.squall.tasks.gemm.GemmReference;
import dev.squall.tasks.gemm.WeightRowsCheck;
import dev.squall.tasks.testing.Poison;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import org.junit.jupiter.api.Test;

/**
 * {@link BlockQ4#gemm} equals the float64 GEMM with the dequantised weight {@code ŵ = fp16(d)·(nibble − 8)},
 * where byte {@code t} of a block holds weight {@code t} low and {@code t + 16} high, on random bytes. Padding
 * nibbles of a partial last block are 15 (weight 7·d), so reading one would show. {@link BlockQ4#gemmQ8}
 * equals the float64 product of the same weight with the activations its Q8_0 blocks hold,
 * {@code x̂ = fp16(d_x)·q_x}, within the fp32 bound.
 */
class BlockQ4Test {
    /** A random Q4_0 weight {@code [n, k]} and its dequantised values. */
    private record RandomQ4(byte[] qs, short[] d, float[] w) {
        static RandomQ4 of(RandomArrays rnd, int n, int k) {
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
            return new RandomQ4(qs, d, w);
        }
    }

    @Test
    void matchesTheDequantisedProduct() {
        for (int[] s : WeightRowsCheck.SHAPES) {
            RandomArrays rnd = RandomArrays.fresh();
            RandomQ4 q = RandomQ4.of(rnd, s[1], s[2]);
            WeightRowsCheck.check("BlockQ4.gemm", rnd, s[0], s[1], s[2], q.w(),
                    (x, bias, y, m, nn, kk, hb, act, off, cnt) -> BlockQ4.gemm(x, q.qs(), q.d(), bias, y, m, nn, kk,
                            hb, act, off, cnt));
        }
    }

    @Test
    void q8ActivationsMatchTheDequantisedProduct() {
        for (int[] s : WeightRowsCheck.SHAPES) {
            RandomArrays rnd = RandomArrays.fresh();
            int m = s[0];
            int n = s[1];
            int k = s[2];
            int blocks = (k + 31) / 32;
            RandomQ4 q = RandomQ4.of(rnd, n, k);
            float[] x = rnd.gaussian(m * k);
            byte[] xq = new byte[m * blocks * 32];
            short[] xd = new short[m * blocks];
            BlockQ8.quantizeRows(x, xq, xd, k, 0, m);
            float[] xHat = new float[m * k];
            for (int i = 0; i < m; i++) {
                for (int p = 0; p < k; p++) {
                    xHat[i * k + p] = Float.float16ToFloat(xd[i * blocks + p / 32]) * xq[i * blocks * 32 + p];
                }
            }
            for (int[] e : WeightRowsCheck.EPILOGUES) {
                float[] bias = e[0] != 0 ? rnd.gaussian(n) : Poison.array(n);
                float[] y = new float[m * n];
                Subject subject = Subject.of("BlockQ4.gemmQ8", "M=" + m + " N=" + n + " K=" + k + " epilogue=" + e[0]
                        + "/" + e[1], rnd.seed()).rowsOf(n);
                RowSlices.run(subject, rnd, n, (off, cnt) -> BlockQ4.gemmQ8(xq, xd, q.qs(), q.d(), bias, y, m, n, k,
                        e[0], e[1], off, cnt), y);
                Tolerance.FP32.assertClose(subject, y, GemmReference.epilogue(GemmReference.product(xHat, q.w(), m, n,
                        k, true), bias, n, e[0] != 0, e[1]), GemmReference.scale(xHat, q.w(), bias, m, n, k, true,
                        e[0] != 0));
            }
        }
    }
}

package dev.squall.tasks.sparse;

import dev.squall.tasks.gemm.WeightRowsCheck;
import dev.squall.tasks.testing.RandomArrays;
import org.junit.jupiter.api.Test;

/**
 * {@link Sparse24#gemm} equals the dense float64 GEMM of the weight it encodes (two values per group of four at
 * random distinct positions, zeros elsewhere), for {@code k} a multiple of 4 with an even and an odd number of
 * groups.
 */
class Sparse24Test {
    private static final int[][] SHAPES = {{1, 1, 4}, {1, 7, 12}, {3, 5, 32}, {2, 9, 36}, {5, 17, 68}, {1, 33, 128},
            {4, 3, 100}};

    @Test
    void equalsTheDenseProductWithZeros() {
        for (int[] s : SHAPES) {
            RandomArrays rnd = RandomArrays.fresh();
            int n = s[1];
            int k = s[2];
            int groups = k / 4;
            int metaPerRow = (groups + 1) / 2;
            float[] dense = new float[n * k];
            float[] vals = new float[n * k / 2];
            byte[] meta = new byte[n * metaPerRow];
            for (int j = 0; j < n; j++) {
                for (int g = 0; g < groups; g++) {
                    int a = rnd.nextInt(0, 2);
                    int b = rnd.nextInt(a + 1, 3);
                    for (int slot = 0; slot < 2; slot++) {
                        int pos = slot == 0 ? a : b;
                        float v = (float) rnd.nextDouble(-1, 1);
                        vals[j * k / 2 + 2 * g + slot] = v;
                        dense[j * k + 4 * g + pos] = v;
                    }
                    meta[j * metaPerRow + g / 2] |= (byte) ((a | b << 2) << (4 * (g % 2)));
                }
            }
            WeightRowsCheck.check("Sparse24.gemm", rnd, s[0], n, k, dense,
                    (x, bias, y, m, nn, kk, hb, act, off, cnt) -> Sparse24.gemm(x, vals, meta, bias, y, m, nn, kk, hb,
                            act, off, cnt));
        }
    }
}

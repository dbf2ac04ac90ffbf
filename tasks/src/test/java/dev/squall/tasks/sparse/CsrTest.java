package dev.squall.tasks.sparse;

import dev.squall.tasks.gemm.WeightRowsCheck;
import dev.squall.tasks.testing.RandomArrays;
import org.junit.jupiter.api.Test;

/**
 * {@link Csr#gemm} equals the dense float64 GEMM of the same weight with its zeros written out, at
 * densities from empty rows to full, with columns in random order within a row.
 */
class CsrTest {
    @Test
    void equalsTheDenseProductWithZeros() {
        for (double density : new double[] {0, 0.05, 0.3, 1}) {
            for (int[] s : WeightRowsCheck.SHAPES) {
                RandomArrays rnd = RandomArrays.fresh();
                int n = s[1];
                int k = s[2];
                float[] dense = new float[n * k];
                int[] rowPtr = new int[n + 1];
                int[] cols = new int[n * k];
                float[] vals = new float[n * k];
                int e = 0;
                for (int j = 0; j < n; j++) {
                    int[] order = new int[k];
                    for (int p = 0; p < k; p++) {
                        order[p] = p;
                    }
                    rnd.shuffle(order);
                    for (int p : order) {
                        if (rnd.chance(density)) {
                            dense[j * k + p] = (float) rnd.nextDouble(-1, 1);
                            cols[e] = p;
                            vals[e++] = dense[j * k + p];
                        }
                    }
                    rowPtr[j + 1] = e;
                }
                WeightRowsCheck.check("Csr.gemm density=" + density, rnd, s[0], n, k, dense,
                        (x, bias, y, m, nn, kk, hb, act, off, cnt) -> Csr.gemm(x, rowPtr, cols, vals, bias, y, m, nn,
                                kk, hb, act, off, cnt));
            }
        }
    }
}

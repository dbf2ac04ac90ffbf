package dev.squall.engine.jvm.fast;

import dev.squall.engine.jvm.FastPathFor;
import dev.squall.tasks.sparse.Sparse24;

/**
 * Fast path of {@link Sparse24#gemm}: the blocked sparse GEMM of {@link SparseGemmDriver}, each group giving
 * its two (position, value) entries, so half the dense multiply-adds; GEMV as the plain loop.
 */
@FastPathFor(Sparse24.class)
public final class Sparse24Vector {
    private Sparse24Vector() {
    }

    /** As {@link Sparse24#gemm}. */
    public static void gemm(float[] x, float[] vals, byte[] meta, float[] bias, float[] y, int m, int n, int k,
                            int hasBias, int activation, int rowOffset, int rowCount) {
        int groups = k / Sparse24.GROUP;
        int metaPerRow = (groups + 1) / 2;
        SparseGemmDriver.run(x, (xb, j) -> {
            float acc = 0f;
            for (int g = 0; g < groups; g++) {
                int code = (meta[j * metaPerRow + g / 2] >> (4 * (g & 1))) & 0xf;
                acc += x[xb + 4 * g + (code & 3)] * vals[j * 2 * groups + 2 * g];
                acc += x[xb + 4 * g + (code >> 2)] * vals[j * 2 * groups + 2 * g + 1];
            }
            return acc;
        }, (row, p0, p1, seg) -> {
            int[] c = seg.scratch;
            int g0 = p0 / Sparse24.GROUP;
            int g1 = p1 / Sparse24.GROUP;
            for (int g = g0; g < g1; g++) {
                int code = (meta[row * metaPerRow + g / 2] >> (4 * (g & 1))) & 0xf;
                int base = 4 * (g - g0);
                c[2 * (g - g0)] = base + (code & 3);
                c[2 * (g - g0) + 1] = base + (code >> 2);
            }
            seg.cols = c;
            seg.colsOff = 0;
            seg.colBase = 0;
            seg.vals = vals;
            seg.valsOff = row * 2 * groups + 2 * g0;
            seg.count = 2 * (g1 - g0);
        }, bias, y, m, n, k, hasBias, activation, rowOffset, rowCount);
    }
}

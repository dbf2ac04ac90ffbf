package dev.squall.engine.jvm.fast;

import dev.squall.engine.jvm.FastPathFor;
import dev.squall.tasks.sparse.Csr;

import java.util.Arrays;

/**
 * Fast path of {@link Csr#gemm}: the blocked sparse GEMM of {@link SparseGemmDriver} (each row's entries within
 * a depth block found by binary search on its ascending columns, read in place); GEMV as the plain loop, one gathered
 * activation per stored weight.
 */
@FastPathFor(Csr.class)
public final class CsrVector {
    private CsrVector() {
    }

    /** As {@link Csr#gemm}. */
    public static void gemm(float[] x, int[] rowPtr, int[] cols, float[] vals, float[] bias, float[] y, int m, int n,
                            int k, int hasBias, int activation, int rowOffset, int rowCount) {
        SparseGemmDriver.run(x, (xb, j) -> {
            float acc = 0f;
            for (int e = rowPtr[j]; e < rowPtr[j + 1]; e++) {
                acc += x[xb + cols[e]] * vals[e];
            }
            return acc;
        }, (row, p0, p1, seg) -> {
            int from = first(cols, rowPtr[row], rowPtr[row + 1], p0);
            seg.cols = cols;
            seg.colsOff = from;
            seg.colBase = -p0;
            seg.vals = vals;
            seg.valsOff = from;
            seg.count = first(cols, from, rowPtr[row + 1], p1) - from;
        }, bias, y, m, n, k, hasBias, activation, rowOffset, rowCount);
    }

    /** The first entry in {@code [from, to)} whose column is at least {@code col}. */
    private static int first(int[] cols, int from, int to, int col) {
        int i = Arrays.binarySearch(cols, from, to, col);
        return i >= 0 ? i : -i - 1;
    }
}

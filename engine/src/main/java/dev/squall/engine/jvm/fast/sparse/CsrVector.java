package dev.squall.engine.jvm.fast.sparse;

import dev.squall.engine.jvm.FastPath;
import dev.squall.engine.jvm.FastPathFor;
import dev.squall.engine.jvm.fast.driver.SparseGemmDriver;
import dev.squall.tasks.sparse.Csr;

import java.util.Arrays;

/**
 * Fast path of {@link Csr#gemm}: the blocked sparse GEMM of {@link SparseGemmDriver} (each row's entries within
 * a depth block found by binary search on its ascending columns, read in place); GEMV: one gathered activation
 * per stored weight, into four independent sums.
 */
@FastPathFor(Csr.class)
public final class CsrVector implements FastPath {
    /** For {@link java.util.ServiceLoader}, which only reads the class: never called. */
    public CsrVector() {
    }

    /** As {@link Csr#gemm}. */
    public static void gemm(float[] x, int[] rowPtr, int[] cols, float[] vals, float[] bias, float[] y, int m, int n,
                            int k, int hasBias, int activation, int rowOffset, int rowCount) {
        SparseGemmDriver.run(x, (xb, j) -> dot(x, xb, cols, vals, rowPtr[j], rowPtr[j + 1]), (row, p0, p1, seg) -> {
            int from = first(cols, rowPtr[row], rowPtr[row + 1], p0);
            seg.cols = cols;
            seg.colsOff = from;
            seg.colBase = -p0;
            seg.vals = vals;
            seg.valsOff = from;
            seg.count = first(cols, from, rowPtr[row + 1], p1) - from;
        }, bias, y, m, n, k, hasBias, activation, rowOffset, rowCount);
    }

    /** {@code Σ_e x[xb + cols[e]]·vals[e]} over entries {@code [from, to)}, into four independent sums. */
    static float dot(float[] x, int xb, int[] cols, float[] vals, int from, int to) {
        float a0 = 0f;
        float a1 = 0f;
        float a2 = 0f;
        float a3 = 0f;
        int e = from;
        for (; e + 4 <= to; e += 4) {
            a0 += x[xb + cols[e]] * vals[e];
            a1 += x[xb + cols[e + 1]] * vals[e + 1];
            a2 += x[xb + cols[e + 2]] * vals[e + 2];
            a3 += x[xb + cols[e + 3]] * vals[e + 3];
        }
        for (; e < to; e++) {
            a0 += x[xb + cols[e]] * vals[e];
        }
        return (a0 + a1) + (a2 + a3);
    }

    /** The first entry in {@code [from, to)} whose column is at least {@code col}. */
    private static int first(int[] cols, int from, int to, int col) {
        int i = Arrays.binarySearch(cols, from, to, col);
        return i >= 0 ? i : -i - 1;
    }
}

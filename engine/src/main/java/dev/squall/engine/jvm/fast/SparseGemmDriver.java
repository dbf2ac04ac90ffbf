package dev.squall.engine.jvm.fast;

import dev.squall.tasks.gemm.Gemm;
import jdk.incubator.vector.FloatVector;

import static dev.squall.engine.jvm.fast.QuantLanes.F;
import static dev.squall.engine.jvm.fast.QuantLanes.L;

/**
 * The GEMM loop of the sparse formats on the fast path: as {@link RowGemmDriver} (activation rows transposed
 * into a {@code [KC][MT]} tile), but each weight row is a list of (column, value) entries within the depth
 * block, and only those entries are visited: one broadcast value times one tile row per stored weight, so the
 * multiply-adds are proportional to the non-zeros. Two weight rows run side by side for eight independent
 * accumulators. Results do not depend on how the output rows are split between threads.
 */
final class SparseGemmDriver {
    /** Activation rows per block. */
    static final int MT = RowGemmDriver.MT;
    /** Depth per block: a 64 KiB tile, fewer entry look-ups per row than the dense driver's. */
    static final int KC = 512;

    /** A sparse format's entries. */
    interface Entries {
        /**
         * Writes the stored weights of row {@code row} with columns in {@code [p0, p1)} to {@code cols} (relative to
         * {@code p0}) and {@code vals}, in the order their products are to be summed; returns how many.
         */
        int entries(int row, int p0, int p1, int[] cols, float[] vals);
    }

    private static final ThreadLocal<Object[]> SCRATCH = ThreadLocal.withInitial(() -> new Object[] {
            new float[KC * MT], new int[KC], new float[KC], new int[KC], new float[KC], new float[MT]});

    private SparseGemmDriver() {
    }

    /** As {@link RowGemmDriver#run}, with the blocked sparse GEMM for {@link RowGemmDriver#MIN_ROWS} rows and more. */
    static void run(float[] x, RowGemmDriver.Dot dot, Entries entries, float[] bias, float[] y, int m, int n, int k,
                    int hasBias, int activation, int rowOffset, int rowCount) {
        if (m < RowGemmDriver.MIN_ROWS) {
            RowGemmDriver.run(x, dot, null, bias, y, m, n, k, hasBias, activation, rowOffset, rowCount);
            return;
        }
        Object[] s = SCRATCH.get();
        float[] xT = (float[]) s[0];
        int[] ca = (int[]) s[1];
        float[] va = (float[]) s[2];
        int[] cb = (int[]) s[3];
        float[] vb = (float[]) s[4];
        float[] lanes = (float[]) s[5];
        int j1 = rowOffset + rowCount;
        for (int i0 = 0; i0 < m; i0 += MT) {
            int mt = Math.min(MT, m - i0);
            for (int p0 = 0; p0 < k; p0 += KC) {
                int kc = Math.min(KC, k - p0);
                RowGemmDriver.transpose(x, k, i0, mt, p0, kc, xT);
                for (int j = rowOffset; j < j1; j += 2) {
                    boolean pair = j + 1 < j1;
                    int na = entries.entries(j, p0, p0 + kc, ca, va);
                    int nb = pair ? entries.entries(j + 1, p0, p0 + kc, cb, vb) : 0;
                    micro(xT, ca, va, na, cb, vb, nb, y, n, i0, mt, j, pair, p0 == 0, lanes);
                }
            }
            for (int i = i0; i < i0 + mt; i++) {
                for (int j = rowOffset; j < j1; j++) {
                    y[i * n + j] = Gemm.epilogue(y[i * n + j], bias, j, hasBias, activation);
                }
            }
        }
    }

    private static void micro(float[] xT, int[] ca, float[] va, int na, int[] cb, float[] vb, int nb, float[] y,
                              int n, int i0, int mt, int j, boolean pair, boolean first, float[] lanes) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F);
        FloatVector b0 = FloatVector.zero(F);
        FloatVector b1 = FloatVector.zero(F);
        FloatVector b2 = FloatVector.zero(F);
        FloatVector b3 = FloatVector.zero(F);
        int both = Math.min(na, nb);
        int e = 0;
        for (; e < both; e++) {
            FloatVector u = FloatVector.broadcast(F, va[e]);
            FloatVector v = FloatVector.broadcast(F, vb[e]);
            int ta = ca[e] * MT;
            int tb = cb[e] * MT;
            a0 = FloatVector.fromArray(F, xT, ta).fma(u, a0);
            a1 = FloatVector.fromArray(F, xT, ta + L).fma(u, a1);
            a2 = FloatVector.fromArray(F, xT, ta + 2 * L).fma(u, a2);
            a3 = FloatVector.fromArray(F, xT, ta + 3 * L).fma(u, a3);
            b0 = FloatVector.fromArray(F, xT, tb).fma(v, b0);
            b1 = FloatVector.fromArray(F, xT, tb + L).fma(v, b1);
            b2 = FloatVector.fromArray(F, xT, tb + 2 * L).fma(v, b2);
            b3 = FloatVector.fromArray(F, xT, tb + 3 * L).fma(v, b3);
        }
        for (int ea = e; ea < na; ea++) {
            FloatVector u = FloatVector.broadcast(F, va[ea]);
            int ta = ca[ea] * MT;
            a0 = FloatVector.fromArray(F, xT, ta).fma(u, a0);
            a1 = FloatVector.fromArray(F, xT, ta + L).fma(u, a1);
            a2 = FloatVector.fromArray(F, xT, ta + 2 * L).fma(u, a2);
            a3 = FloatVector.fromArray(F, xT, ta + 3 * L).fma(u, a3);
        }
        for (int eb = e; eb < nb; eb++) {
            FloatVector v = FloatVector.broadcast(F, vb[eb]);
            int tb = cb[eb] * MT;
            b0 = FloatVector.fromArray(F, xT, tb).fma(v, b0);
            b1 = FloatVector.fromArray(F, xT, tb + L).fma(v, b1);
            b2 = FloatVector.fromArray(F, xT, tb + 2 * L).fma(v, b2);
            b3 = FloatVector.fromArray(F, xT, tb + 3 * L).fma(v, b3);
        }
        RowGemmDriver.store(a0, a1, a2, a3, y, n, i0, mt, j, first, lanes);
        if (pair) {
            RowGemmDriver.store(b0, b1, b2, b3, y, n, i0, mt, j + 1, first, lanes);
        }
    }
}

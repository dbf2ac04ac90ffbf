package dev.squall.engine.jvm.fast.driver;

import dev.squall.engine.jvm.fast.driver.GemmDriver.Matrix;

/**
 * {@code C += Aᵀ·B} on the blocked GEMM of {@link GemmDriver}, a range of C's rows at a time: the weight gradient
 * {@code dW += dYᵀ·X} and the attention gradients {@code dV = Pᵀ·dO}, {@code dK = dSᵀ·Q}. Aᵀ needs no transposition:
 * a block of A's rows is a column-major block of Aᵀ, which {@link GemmDriver#productColumns} reads in place once
 * copied to its column stride (contiguous copies). Per depth block of {@link #depthBlock()} rows of A and B, B's
 * block is packed once and serves every row block of C. Only {@link GemmDriver}'s public entry points are used.
 *
 * <p>Contract: every element is {@code acc = fma(A(i, j), B(i, p), acc)} for {@code i} ascending from 0, starting
 * from its stored value; that is, the bits of a scalar FMA loop, whatever the split of C's rows between calls or
 * threads, and successive calls (micro-batches) accumulate in order.
 */
public final class TransposedGemm {
    /** Rows of C per block: the columns of the column-major A, at most its stride. */
    private static final int ROWS = Math.min(128, GemmDriver.COLUMN_STRIDE) / GemmDriver.MR * GemmDriver.MR;
    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    private TransposedGemm() {
    }

    /** Depth (rows of A and B) per packed block: at most 256, within {@link GemmDriver#fitsDepth}. */
    static int depthBlock() {
        return Math.min(GemmDriver.KC, 256);
    }

    /**
     * Rows {@code [j0, j1)} of {@code C[n, k] += A[m, n]ᵀ·B[m, k]}, on strided views: {@code A(i, j)} is
     * {@code a.data()[(a.row() + i)·a.ld() + a.col() + j]}, B likewise, and {@code C(j, p)} is
     * {@code c[cOff + j·ldc + p]}. Nothing happens when {@code m} or {@code k} is 0.
     */
    public static void accumulate(Matrix a, Matrix b, float[] c, int cOff, int ldc, int m, int k, int j0, int j1) {
        if (j0 >= j1 || m == 0 || k == 0) {
            return;
        }
        Workspace w = WORKSPACE.get();
        int depth = depthBlock();
        for (int i0 = 0; i0 < m; i0 += depth) {
            int kc = Math.min(depth, m - i0);
            float[] panels = w.panels(GemmDriver.panelFloats(k, kc));
            GemmDriver.packPanels(new Matrix(b.data(), b.ld(), b.row() + i0, b.col()), false, k, kc, panels, 0);
            for (int jc = j0; jc < j1; jc += ROWS) {
                int rows = Math.min(ROWS, j1 - jc);
                int src = (a.row() + i0) * a.ld() + a.col() + jc;
                for (int p = 0; p < kc; p++) {
                    System.arraycopy(a.data(), src + p * a.ld(), w.columns, p * GemmDriver.COLUMN_STRIDE, rows);
                }
                GemmDriver.productColumns(w.columns, 0, panels, 0, kc, c, cOff + jc * ldc, ldc, rows, k, kc);
            }
        }
    }

    /** Per-thread buffers: a column-major block of Aᵀ and B's packed depth block. */
    private static final class Workspace {
        final float[] columns = new float[depthBlock() * GemmDriver.COLUMN_STRIDE];
        private float[] panels = new float[0];

        float[] panels(int floats) {
            if (panels.length < floats) {
                panels = new float[floats];
            }
            return panels;
        }
    }
}

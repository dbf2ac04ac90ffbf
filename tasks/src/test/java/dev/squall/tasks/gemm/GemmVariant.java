package dev.squall.tasks.gemm;

import dev.squall.tasks.testing.RowSlices.RowKernel;

/** The four forward {@link Gemm} kernels behind one call shape, for tests that run them all alike. */
public enum GemmVariant {
    NAIVE(false, false),
    TILED(false, true),
    TILED_TRANS_B(true, true),
    PANELS(false, true);

    /** Whether B is {@code [N,K]} (the kernel computes {@code A·Bᵀ}) rather than {@code [K,N]}. */
    public final boolean transB;
    /** Whether the kernel takes tiles (bands of {@code tileM} rows, or panels of {@code tileN} columns). */
    public final boolean tiled;

    GemmVariant(boolean transB, boolean tiled) {
        this.transB = transB;
        this.tiled = tiled;
    }

    /**
     * Parallel rows for an {@code m × n} output and {@code tiles} = {tileM, tileN, tileK}: {@code m} (naive),
     * {@code ceil(m / tileM)} bands or {@code ceil(n / tileN)} panels.
     */
    public int rows(int m, int n, int[] tiles) {
        return switch (this) {
            case NAIVE -> m;
            case TILED, TILED_TRANS_B -> (m + tiles[0] - 1) / tiles[0];
            case PANELS -> (n + tiles[1] - 1) / tiles[1];
        };
    }

    /**
     * The kernel with all arguments bound but the row range; {@code tiles} = {tileM, tileN, tileK} (ignored
     * by the naive kernel).
     */
    public RowKernel bind(float[] a, float[] b, float[] bias, float[] c, int m, int n, int k, int hasBias,
                          int activation, int[] tiles) {
        return switch (this) {
            case NAIVE -> (off, cnt) -> Gemm.matmul(a, b, bias, c, n, k, hasBias, activation, off, cnt);
            case TILED -> (off, cnt) -> Gemm.tiledMatmul(a, b, bias, c, m, n, k, hasBias, activation,
                    tiles[0], tiles[1], tiles[2], off, cnt);
            case TILED_TRANS_B -> (off, cnt) -> Gemm.tiledMatmulTransB(a, b, bias, c, m, n, k, hasBias, activation,
                    tiles[0], tiles[1], tiles[2], off, cnt);
            case PANELS -> (off, cnt) -> Gemm.panelMatmul(a, b, bias, c, m, n, k, hasBias, activation,
                    tiles[0], tiles[1], tiles[2], off, cnt);
        };
    }

    /** {@code "Gemm.tiledMatmul"} and so on. */
    public String kernelName() {
        return "Gemm." + switch (this) {
            case NAIVE -> "matmul";
            case TILED -> "tiledMatmul";
            case TILED_TRANS_B -> "tiledMatmulTransB";
            case PANELS -> "panelMatmul";
        };
    }

    /** {@code b} as the naive kernel reads it: {@code [K,N]}, transposed from {@code [N,K]} when {@link #transB}. */
    public float[] asKxN(float[] b, int n, int k) {
        if (!transB) {
            return b;
        }
        float[] t = new float[k * n];
        for (int j = 0; j < n; j++) {
            for (int p = 0; p < k; p++) {
                t[p * n + j] = b[j * k + p];
            }
        }
        return t;
    }
}

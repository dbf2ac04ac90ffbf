package dev.squall.tasks.sparse;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;
import dev.squall.tasks.gemm.Gemm;

/**
 * GEMM with an unstructured sparse weight in compressed sparse row (CSR) form: the non-zeros of row {@code j}
 * of {@code W[n, k]} are {@code vals[e]} at columns {@code cols[e]} for {@code rowPtr[j] <= e < rowPtr[j+1]}
 * (see the package documentation). Only stored entries are visited, so the work is proportional to the
 * non-zeros.
 */
public final class Csr {
    private Csr() {
    }

    /**
     * {@code y[m, n] = act(x[m, k] · Wᵀ (+ bias))}; parallel rows are the {@code n} output features, each
     * summing its entries in storage order.
     */
    public static void gemm(float[] x, int[] rowPtr, int[] cols, float[] vals, float[] bias, @Out float[] y, int m,
                            int n, int k, int hasBias, int activation, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int j = rowOffset + r;
            for (@Parallel int i = 0; i < m; i++) {
                float acc = 0f;
                for (int e = rowPtr[j]; e < rowPtr[j + 1]; e++) {
                    acc += x[i * k + cols[e]] * vals[e];
                }
                y[i * n + j] = Gemm.epilogue(acc, bias, j, hasBias, activation);
            }
        }
    }
}

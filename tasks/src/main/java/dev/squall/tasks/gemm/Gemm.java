package dev.squall.tasks.gemm;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;
import dev.squall.tasks.activation.Activations;

/**
 * Single-precision matrix multiplication {@code C[M,N] = A[M,K] · B[K,N]}, row-major (a linear layer keeps its
 * weight transposed, {@code Wᵀ[in, out]}, to run as B): naive (one output row per parallel row), tiled (one band
 * of {@code tileM} output rows per parallel row, blocked by {@code tileN} columns and {@code tileK} depth), and
 * split by columns ({@link #panelMatmul}: one panel of {@code tileN} output columns per parallel row), for the
 * few activation rows of a decode step, which a split by rows would leave on a single thread. A weight used
 * where it is stored {@code [out, in]} (a decoder's fp32 weights, and its token embedding as the tied output
 * layer, which no transposed copy should double) runs as {@code C = A · B[N,K]ᵀ} in {@link #tiledMatmulTransB}.
 * Every kernel ends with the same epilogue: {@code + bias[col]} when {@code hasBias != 0}, then activation
 * {@code activation} (see {@link Activations}). Each output element is accumulated in ascending {@code k} order
 * from zero in all four forward kernels, so their results are bit-identical.
 *
 * <p>For the backward of a linear layer {@code Y = X·Wᵀ (+b)} ({@code W} is {@code [out, in]}): {@code dX = dY·W}
 * is {@link #matmul}/{@link #tiledMatmul} with {@code B = W}; {@code dW += dYᵀ·X} is {@link #matmulTransA} /
 * {@link #tiledMatmulTransA}, which accumulate; {@code db} is {@code Elementwise.addColumnSums} of {@code dY}.
 */
public final class Gemm {
    private Gemm() {
    }

    /** Naive {@code C = A·B (+bias, activation)}; parallel rows are the {@code M} output rows. */
    public static void matmul(float[] a, float[] b, float[] bias, @Out float[] c, int n, int k,
                              int hasBias, int activation, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int i = rowOffset + r;
            for (int j = 0; j < n; j++) {
                float acc = 0f;
                for (int p = 0; p < k; p++) {
                    acc += a[i * k + p] * b[p * n + j];
                }
                c[i * n + j] = epilogue(acc, bias, j, hasBias, activation);
            }
        }
    }

    /**
     * Tiled {@code C = A·B (+bias, activation)}. Parallel rows are bands of {@code tileM} output rows: pass
     * {@code ceil(M / tileM)} rows. Within a band, {@code tileN × tileK} blocks of B are reused across the band's
     * rows while they are in cache; the innermost loop runs along a row of B and C, which the JIT can vectorise.
     */
    public static void tiledMatmul(float[] a, float[] b, float[] bias, @Out float[] c, int m, int n, int k,
                                   int hasBias, int activation, int tileM, int tileN, int tileK,
                                   int rowOffset, int rowCount) {
        for (@Parallel int t = 0; t < rowCount; t++) {
            int i0 = (rowOffset + t) * tileM;
            int i1 = Math.min(i0 + tileM, m);
            for (int j0 = 0; j0 < n; j0 += tileN) {
                tile(a, b, 0, bias, c, n, k, i0, i1, j0, Math.min(j0 + tileN, n), tileK, hasBias, activation);
            }
        }
    }

    /**
     * Tiled {@code C = A·Bᵀ (+bias, activation)} with {@code B[N,K]}: bands of {@code tileM} rows, blocks of B
     * reused across a band's rows, as in {@link #tiledMatmul}.
     */
    public static void tiledMatmulTransB(float[] a, float[] b, float[] bias, @Out float[] c, int m, int n, int k,
                                         int hasBias, int activation, int tileM, int tileN, int tileK,
                                         int rowOffset, int rowCount) {
        for (@Parallel int t = 0; t < rowCount; t++) {
            int i0 = (rowOffset + t) * tileM;
            for (int j0 = 0; j0 < n; j0 += tileN) {
                tile(a, b, 1, bias, c, n, k, i0, Math.min(i0 + tileM, m), j0, Math.min(j0 + tileN, n), tileK, hasBias,
                        activation);
            }
        }
    }

    /**
     * {@code C = A·B (+bias, activation)} split by columns: parallel rows are panels of {@code tileN} output
     * columns, pass {@code ceil(N / tileN)} rows. Within a panel, bands of {@code tileM} rows blocked by
     * {@code tileK} depth as in {@link #tiledMatmul}. Meant for small {@code M} (a GEMV when {@code M = 1}):
     * every thread gets columns to compute, and each reads only its own columns of B.
     */
    public static void panelMatmul(float[] a, float[] b, float[] bias, @Out float[] c, int m, int n, int k,
                                   int hasBias, int activation, int tileM, int tileN, int tileK,
                                   int rowOffset, int rowCount) {
        for (@Parallel int t = 0; t < rowCount; t++) {
            int j0 = (rowOffset + t) * tileN;
            int j1 = Math.min(j0 + tileN, n);
            for (int i0 = 0; i0 < m; i0 += tileM) {
                tile(a, b, 0, bias, c, n, k, i0, Math.min(i0 + tileM, m), j0, j1, tileK, hasBias, activation);
            }
        }
    }

    /**
     * Rows {@code [i0, i1)}, columns {@code [j0, j1)} of {@code C = A·B (+bias, activation)}, or of
     * {@code A·Bᵀ} when {@code transB != 0}, by depth blocks of {@code tileK}; each element summed in ascending
     * {@code k} from zero. The loops run along rows of B: of B and C for {@code A·B}, of A and B for {@code A·Bᵀ}.
     */
    private static void tile(float[] a, float[] b, int transB, float[] bias, float[] c, int n, int k, int i0, int i1,
                             int j0, int j1, int tileK, int hasBias, int activation) {
        zeroTile(c, n, i0, i1, j0, j1);
        for (int p0 = 0; p0 < k; p0 += tileK) {
            int p1 = Math.min(p0 + tileK, k);
            for (int i = i0; i < i1; i++) {
                if (transB != 0) {
                    for (int j = j0; j < j1; j++) {
                        float acc = c[i * n + j];
                        for (int p = p0; p < p1; p++) {
                            acc += a[i * k + p] * b[j * k + p];
                        }
                        c[i * n + j] = acc;
                    }
                } else {
                    for (int p = p0; p < p1; p++) {
                        float aip = a[i * k + p];
                        for (int j = j0; j < j1; j++) {
                            c[i * n + j] += aip * b[p * n + j];
                        }
                    }
                }
            }
        }
        epilogueTile(c, n, i0, i1, j0, j1, bias, hasBias, activation);
    }

    /** Bias (when {@code hasBias != 0}) then activation, applied to one accumulated value of column {@code col}. */
    public static float epilogue(float acc, float[] bias, int col, int hasBias, int activation) {
        float v = hasBias != 0 ? acc + bias[col] : acc;
        return Activations.apply(activation, v);
    }

    private static void zeroTile(float[] c, int n, int i0, int i1, int j0, int j1) {
        for (int i = i0; i < i1; i++) {
            for (int j = j0; j < j1; j++) {
                c[i * n + j] = 0f;
            }
        }
    }

    private static void epilogueTile(float[] c, int n, int i0, int i1, int j0, int j1, float[] bias, int hasBias,
                                     int activation) {
        for (int i = i0; i < i1; i++) {
            for (int j = j0; j < j1; j++) {
                c[i * n + j] = epilogue(c[i * n + j], bias, j, hasBias, activation);
            }
        }
    }

    /**
     * {@code C[N,K] += A[M,N]ᵀ · B[M,K]}: the weight gradient {@code dW += dYᵀ·X} of a linear layer
     * ({@code A = dY}, {@code B = X}, {@code C = dW} as {@code [out, in]}). Parallel rows are the {@code N} rows
     * of C. Each element is summed over {@code i} in ascending order onto its stored value, as in
     * {@link #tiledMatmulTransA}, so the two give identical bits and micro-batches accumulate in order.
     */
    public static void matmulTransA(float[] a, float[] b, @Out float[] c, int m, int n, int k, int rowOffset,
                                    int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int j = rowOffset + r;
            for (int p = 0; p < k; p++) {
                float acc = c[j * k + p];
                for (int i = 0; i < m; i++) {
                    acc += a[i * n + j] * b[i * k + p];
                }
                c[j * k + p] = acc;
            }
        }
    }

    /**
     * Tiled {@code C[N,K] += A[M,N]ᵀ · B[M,K]}. Parallel rows are bands of {@code tileN} rows of C: pass
     * {@code ceil(N / tileN)} rows. Within a band, blocks of {@code tileK} columns are accumulated over blocks
     * of {@code tileM} rows of A and B; the innermost loop runs along rows of B and C. Each element is summed
     * in ascending {@code i} onto its stored value, as {@link #matmulTransA} does.
     */
    public static void tiledMatmulTransA(float[] a, float[] b, @Out float[] c, int m, int n, int k, int tileM,
                                         int tileN, int tileK, int rowOffset, int rowCount) {
        for (@Parallel int t = 0; t < rowCount; t++) {
            int j0 = (rowOffset + t) * tileN;
            int j1 = Math.min(j0 + tileN, n);
            for (int p0 = 0; p0 < k; p0 += tileK) {
                int p1 = Math.min(p0 + tileK, k);
                for (int i0 = 0; i0 < m; i0 += tileM) {
                    int i1 = Math.min(i0 + tileM, m);
                    for (int j = j0; j < j1; j++) {
                        for (int i = i0; i < i1; i++) {
                            float aij = a[i * n + j];
                            for (int p = p0; p < p1; p++) {
                                c[j * k + p] += aij * b[i * k + p];
                            }
                        }
                    }
                }
            }
        }
    }
}

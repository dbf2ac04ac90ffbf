package dev.squall.engine.jvm.fast.driver;

import dev.squall.engine.jvm.fast.lanes.VectorWidth;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code C = A·B} on a range of columns for a few rows of A (a GEMV when {@code M = 1}), B being {@code [K,N]}:
 * B is read once, {@link #DEPTH} rows at a time along a chunk of columns, while the chunk of C (at most
 * {@link #CHUNK_FLOATS} floats) stays in L1; rows of A go by pairs, which share each load of B. Packing B, as
 * {@link GemmDriver} does, would copy every weight once more for a single use, and its 4-row micro-kernel would
 * compute three rows of zeros for a GEMV (measured on 4096×4096, 2 threads: 3.1–3.8 ms streamed, 10.2 ms
 * packed, for up to 6 rows; 8 rows about even, more rows favour packing).
 *
 * <p>Every element is accumulated as {@code acc = fma(a_ip, b_pj, acc)} for {@code p} ascending from 0, as in
 * {@link GemmDriver}, so both give the same bits, whatever the column range a call covers.
 */
public final class RowStreamGemm {
    private static final VectorSpecies<Float> S = VectorWidth.FLOAT;
    private static final int L = S.length();
    /** Rows of B per pass over a chunk: each chunk element of C is loaded and stored once per four rows. */
    public static final int DEPTH = 4;
    /** Floats of C per chunk (16 KiB): with four rows of B (at most 16 KiB) they stay in L1. */
    public static final int CHUNK_FLOATS = 4096;
    /** Widest chunk: long runs along each row of B suit the prefetchers; wider measured no faster. */
    public static final int CHUNK_COLUMNS = 1024;
    /** The most rows of A this class is meant for (see {@link GemmDriver#gemmColumns}). */
    public static final int MAX_ROWS = 7;

    private RowStreamGemm() {
    }

    /** Columns {@code [j0, j1)} of {@code C[m, n] = A[m, k]·B[k, n]}, without epilogue. */
    public static void product(float[] a, float[] b, float[] c, int m, int n, int k, int j0, int j1) {
        int chunk = Math.max(L, Math.min(CHUNK_COLUMNS, CHUNK_FLOATS / m / L * L));
        for (int jc = j0; jc < j1; jc += chunk) {
            int je = Math.min(jc + chunk, j1);
            for (int i = 0; i < m; i++) {
                java.util.Arrays.fill(c, i * n + jc, i * n + je, 0f);
            }
            int p = 0;
            for (; p + DEPTH <= k; p += DEPTH) {
                int i = 0;
                for (; i + 2 <= m; i += 2) {
                    fourRowsTwice(a, i * k + p, k, b, p * n, n, c, i * n, jc, je);
                }
                if (i < m) {
                    fourRows(a, i * k + p, b, p * n, n, c, i * n, jc, je);
                }
            }
            for (; p < k; p++) {
                for (int i = 0; i < m; i++) {
                    oneRow(a[i * k + p], b, p * n, c, i * n, jc, je);
                }
            }
        }
    }

    /** {@code c[ci + j] += Σ_{u<4} a[ai + u]·b[bi + u·n + j]} for {@code j} in {@code [jc, je)}, u ascending. */
    private static void fourRows(float[] a, int ai, float[] b, int bi, int n, float[] c, int ci, int jc, int je) {
        float s0 = a[ai];
        float s1 = a[ai + 1];
        float s2 = a[ai + 2];
        float s3 = a[ai + 3];
        FloatVector a0 = FloatVector.broadcast(S, s0);
        FloatVector a1 = FloatVector.broadcast(S, s1);
        FloatVector a2 = FloatVector.broadcast(S, s2);
        FloatVector a3 = FloatVector.broadcast(S, s3);
        int b1 = bi + n;
        int b2 = b1 + n;
        int b3 = b2 + n;
        int j = jc;
        for (; j + L <= je; j += L) {
            FloatVector acc = FloatVector.fromArray(S, c, ci + j);
            acc = FloatVector.fromArray(S, b, bi + j).fma(a0, acc);
            acc = FloatVector.fromArray(S, b, b1 + j).fma(a1, acc);
            acc = FloatVector.fromArray(S, b, b2 + j).fma(a2, acc);
            acc = FloatVector.fromArray(S, b, b3 + j).fma(a3, acc);
            acc.intoArray(c, ci + j);
        }
        for (; j < je; j++) {
            float acc = Math.fma(s0, b[bi + j], c[ci + j]);
            acc = Math.fma(s1, b[b1 + j], acc);
            acc = Math.fma(s2, b[b2 + j], acc);
            c[ci + j] = Math.fma(s3, b[b3 + j], acc);
        }
    }

    /** {@link #fourRows} for rows {@code i} and {@code i + 1} of A and C at once: each B vector loaded once. */
    private static void fourRowsTwice(float[] a, int ai, int k, float[] b, int bi, int n, float[] c, int ci, int jc,
                                      int je) {
        FloatVector a0 = FloatVector.broadcast(S, a[ai]);
        FloatVector a1 = FloatVector.broadcast(S, a[ai + 1]);
        FloatVector a2 = FloatVector.broadcast(S, a[ai + 2]);
        FloatVector a3 = FloatVector.broadcast(S, a[ai + 3]);
        FloatVector e0 = FloatVector.broadcast(S, a[ai + k]);
        FloatVector e1 = FloatVector.broadcast(S, a[ai + k + 1]);
        FloatVector e2 = FloatVector.broadcast(S, a[ai + k + 2]);
        FloatVector e3 = FloatVector.broadcast(S, a[ai + k + 3]);
        int b1 = bi + n;
        int b2 = b1 + n;
        int b3 = b2 + n;
        int di = ci + n;
        int j = jc;
        for (; j + L <= je; j += L) {
            FloatVector v0 = FloatVector.fromArray(S, b, bi + j);
            FloatVector v1 = FloatVector.fromArray(S, b, b1 + j);
            FloatVector v2 = FloatVector.fromArray(S, b, b2 + j);
            FloatVector v3 = FloatVector.fromArray(S, b, b3 + j);
            FloatVector x = v0.fma(a0, FloatVector.fromArray(S, c, ci + j));
            FloatVector y = v0.fma(e0, FloatVector.fromArray(S, c, di + j));
            x = v1.fma(a1, x);
            y = v1.fma(e1, y);
            x = v2.fma(a2, x);
            y = v2.fma(e2, y);
            v3.fma(a3, x).intoArray(c, ci + j);
            v3.fma(e3, y).intoArray(c, di + j);
        }
        if (j < je) {
            fourRows(a, ai, b, bi, n, c, ci, j, je);
            fourRows(a, ai + k, b, bi, n, c, di, j, je);
        }
    }

    /** {@code c[ci + j] += s·b[bi + j]} for {@code j} in {@code [jc, je)}. */
    private static void oneRow(float s, float[] b, int bi, float[] c, int ci, int jc, int je) {
        FloatVector av = FloatVector.broadcast(S, s);
        int j = jc;
        for (; j + L <= je; j += L) {
            FloatVector.fromArray(S, b, bi + j).fma(av, FloatVector.fromArray(S, c, ci + j)).intoArray(c, ci + j);
        }
        for (; j < je; j++) {
            c[ci + j] = Math.fma(s, b[bi + j], c[ci + j]);
        }
    }
}

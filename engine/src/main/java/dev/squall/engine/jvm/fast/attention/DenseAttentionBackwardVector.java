package dev.squall.engine.jvm.fast.attention;

import dev.squall.engine.jvm.FastPath;
import dev.squall.engine.jvm.FastPathFor;
import dev.squall.engine.jvm.fast.driver.GemmDriver;
import dev.squall.engine.jvm.fast.driver.GemmDriver.Matrix;
import dev.squall.engine.jvm.fast.driver.TransposedGemm;
import dev.squall.engine.jvm.fast.math.SoftmaxRows;
import dev.squall.tasks.activation.Activations;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.attention.DenseAttentionBackward;

import java.util.Arrays;

/**
 * Fast paths of the unfused attention backward {@link DenseAttentionBackward}, on the same machinery as the
 * unfused forward ({@link DenseAttentionVector}): a slice of {@code (token, head)} rows is regrouped into runs of
 * consecutive tokens of one sequence and head, and each run is one blocked GEMM of {@link GemmDriver}:
 * {@code dP = dO·Vᵀ} and {@code dQ = dS·K/√d} with the run's tokens as queries, {@code dV = Pᵀ·dO} and
 * {@code dK = dSᵀ·Q/√d} with them as keys ({@link TransposedGemm}, reading P and dS in place). Like the plain
 * kernels they know no mask (a hidden key has {@code P = 0}), so every product runs over the whole sequence, and
 * every element is an FMA chain in ascending order over it: results do not depend on the split of rows.
 */
@FastPathFor(DenseAttentionBackward.class)
public final class DenseAttentionBackwardVector implements FastPath {
    /** For {@link java.util.ServiceLoader}, which only reads the class: never called. */
    public DenseAttentionBackwardVector() {
    }

    /** Fast {@link DenseAttentionBackward#valueGradient}. */
    public static void valueGradient(float[] p, float[] dOut, float[] dv, int[] seqStart, int heads, int d, int ld,
                                     int vCol, int maxLen, int rowOffset, int rowCount) {
        keyRuns(p, dOut, heads * d, dv, vCol, seqStart, heads, d, ld, maxLen, 1f, rowOffset, rowCount);
    }

    /** Fast {@link DenseAttentionBackward#probabilityGradient}. */
    public static void probabilityGradient(float[] dOut, float[] v, float[] dp, int[] seqStart, int heads, int d,
                                           int ld, int vCol, int maxLen, int rowOffset, int rowCount) {
        int lds = heads * maxLen;
        TokenRuns.forEach(seqStart, heads, rowOffset, rowCount, (t0, t1, start, len, h) -> {
            if (len > 0 && d > 0) {
                GemmDriver.product(new Matrix(dOut, heads * d, t0, h * d), new Matrix(v, ld, start, vCol + h * d), true,
                        dp, t0 * lds + h * maxLen, lds, t1 - t0, len, d, false, null, 0, Activations.IDENTITY);
            }
            for (int t = t0; t < t1; t++) {
                int base = (t * heads + h) * maxLen;
                Arrays.fill(dp, base + (d > 0 ? len : 0), base + maxLen, 0f);
            }
        });
    }

    /** Fast {@link DenseAttentionBackward#queryGradient}. */
    public static void queryGradient(float[] ds, float[] k, float[] dq, int[] seqStart, int heads, int d, int ld,
                                     int kCol, int maxLen, int rowOffset, int rowCount) {
        float scale = AttentionMask.scale(d);
        TokenRuns.forEach(seqStart, heads, rowOffset, rowCount, (t0, t1, start, len, h) -> {
            int off = t0 * ld + h * d;
            if (len > 0) {
                GemmDriver.product(new Matrix(ds, heads * maxLen, t0, h * maxLen), new Matrix(k, ld, start, kCol + h * d),
                        false, dq, off, ld, t1 - t0, d, len, false, null, 0, Activations.IDENTITY);
            } else {
                zeroRows(dq, off, ld, t1 - t0, d);
            }
            for (int t = 0; t < t1 - t0; t++) {
                SoftmaxRows.scale(dq, off + t * ld, d, scale);
            }
        });
    }

    /** Fast {@link DenseAttentionBackward#keyGradient}. */
    public static void keyGradient(float[] ds, float[] q, float[] dk, int[] seqStart, int heads, int d, int ld,
                                   int kCol, int maxLen, int rowOffset, int rowCount) {
        keyRuns(ds, q, ld, dk, kCol, seqStart, heads, d, ld, maxLen, AttentionMask.scale(d), rowOffset, rowCount);
    }

    /**
     * The gradients of the run's tokens as keys: {@code out[j, h, :] = scale · Σ_i w[i·heads + h, j − start] ·
     * x[i, h, :]} over the queries {@code i} of the sequence, {@code x}'s rows {@code xLd} apart (column 0), the output
     * at column {@code outCol} of rows {@code ld} apart.
     */
    private static void keyRuns(float[] w, float[] x, int xLd, float[] out, int outCol, int[] seqStart, int heads, int d,
                                int ld, int maxLen, float scale, int rowOffset, int rowCount) {
        TokenRuns.forEach(seqStart, heads, rowOffset, rowCount, (t0, t1, start, len, h) -> {
            int off = t0 * ld + outCol + h * d;
            zeroRows(out, off, ld, t1 - t0, d);
            TransposedGemm.accumulate(new Matrix(w, heads * maxLen, start, h * maxLen), new Matrix(x, xLd, start, h * d),
                    out, start * ld + outCol + h * d, ld, len, d, t0 - start, t1 - start);
            if (scale != 1f) {
                for (int t = 0; t < t1 - t0; t++) {
                    SoftmaxRows.scale(out, off + t * ld, d, scale);
                }
            }
        });
    }

    private static void zeroRows(float[] a, int off, int ld, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            Arrays.fill(a, off + r * ld, off + r * ld + cols, 0f);
        }
    }
}

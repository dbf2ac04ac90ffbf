package dev.squall.tasks.attention;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;

/**
 * Backward of {@link DenseAttention} from its saved probabilities {@code P} ({@code [tokens·heads, maxLen]},
 * the softmax of the scores): {@link #valueGradient} {@code dV = Pᵀ·dO}, {@link #probabilityGradient}
 * {@code dP = dO·Vᵀ}, then {@code Softmax.softmaxBackward} turns {@code dP} into the score gradient
 * {@code dS = P∘(dP − rowsum(P∘dP))}, and {@link #queryGradient} {@code dQ = dS·K/√d},
 * {@link #keyGradient} {@code dK = dSᵀ·Q/√d}. Masks need nothing here: a hidden key has {@code P = 0}, hence a
 * zero {@code dS}, and an additive mask is a constant of the scores. {@code dOut} is laid out as the forward's
 * output ({@code [tokens, heads·d]}); each gradient is written where its tensor is read, row stride {@code ld}
 * and column 0 ({@code dq}), {@code kCol} ({@code dk}) or {@code vCol} ({@code dv}), so one packed
 * {@code dqkv} array can take all three (passed as each) or three arrays with {@code ld = heads·d} and columns 0.
 * Parallel rows are the {@code tokens·heads} (token, head) pairs, {@code row = t·heads + h}: the token is the
 * query for {@code dP} and {@code dQ}, the key for {@code dK} and {@code dV}. Every element is a sum in
 * ascending query or key order within its row, so the split of rows changes no bit.
 */
public final class DenseAttentionBackward {
    private DenseAttentionBackward() {
    }

    /** {@code dv[j, h, :] = Σ_i p[i·heads + h, j − start] · dOut[i, h, :]} over the queries {@code i} of key {@code j}'s sequence. */
    public static void valueGradient(float[] p, float[] dOut, @Out float[] dv, int[] seqStart, int heads, int d, int ld,
                                     int vCol, int maxLen, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            keyRow(p, dOut, heads * d, dv, vCol, seqStart, rowOffset + r, heads, d, ld, maxLen, 1f);
        }
    }

    /** {@code dp[row, j] = dOut[t, h, :] · v[start + j, h, :]} for the keys of the query's sequence, 0 past its end. */
    public static void probabilityGradient(float[] dOut, float[] v, @Out float[] dp, int[] seqStart, int heads, int d,
                                           int ld, int vCol, int maxLen, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int row = rowOffset + r;
            int b = AttentionMask.sequenceOf(seqStart, row / heads);
            int vBase = seqStart[b] * ld + vCol + (row % heads) * d;
            for (int j = 0; j < maxLen; j++) {
                dp[row * maxLen + j] = seqStart[b] + j < seqStart[b + 1]
                        ? KeyStream.score(dOut, row * d, v, vBase + j * ld, d, 1f) : 0f;
            }
        }
    }

    /** {@code dq[t, h, :] = Σ_j ds[row, j] · k[start + j, h, :] / √d}. */
    public static void queryGradient(float[] ds, float[] k, @Out float[] dq, int[] seqStart, int heads, int d, int ld,
                                     int kCol, int maxLen, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int row = rowOffset + r;
            int t = row / heads;
            int b = AttentionMask.sequenceOf(seqStart, t);
            columnSum(ds, row * maxLen, 1, k, ld, kCol + (row % heads) * d, dq, t * ld + (row % heads) * d, seqStart[b],
                    seqStart[b + 1], d, AttentionMask.scale(d));
        }
    }

    /** {@code dk[j, h, :] = Σ_i ds[i·heads + h, j − start] · q[i, h, :] / √d} over the queries {@code i} of key {@code j}'s sequence. */
    public static void keyGradient(float[] ds, float[] q, @Out float[] dk, int[] seqStart, int heads, int d, int ld,
                                   int kCol, int maxLen, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            keyRow(ds, q, ld, dk, kCol, seqStart, rowOffset + r, heads, d, ld, maxLen, AttentionMask.scale(d));
        }
    }

    /**
     * The gradient of key token {@code j = row / heads}, head {@code row % heads}, at column {@code outCol} of
     * {@code out} (row stride {@code ld}): {@code scale · Σ_i w[i·heads + h, j − start] · x[i, h, :]} over the queries
     * {@code i} of its sequence, with {@code x}'s rows {@code xLd} apart (column 0).
     */
    static void keyRow(float[] w, float[] x, int xLd, float[] out, int outCol, int[] seqStart, int row, int heads, int d,
                       int ld, int maxLen, float scale) {
        int j = row / heads;
        int h = row % heads;
        int b = AttentionMask.sequenceOf(seqStart, j);
        int start = seqStart[b];
        columnSum(w, (start * heads + h) * maxLen + j - start, heads * maxLen, x, xLd, h * d, out, j * ld + outCol + h * d,
                start, seqStart[b + 1], d, scale);
    }

    /**
     * {@code out[outBase + c] = scale · Σ_u w[wBase + (u − from)·wStride] · x[u·xLd + xOff + c]} for {@code c < d},
     * over {@code u} in {@code [from, to)} in ascending order: a column of P, dS (weights) times the rows of
     * dO, K or Q. The product with {@code scale} comes last, once.
     */
    static void columnSum(float[] w, int wBase, int wStride, float[] x, int xLd, int xOff, float[] out, int outBase,
                          int from, int to, int d, float scale) {
        for (int c = 0; c < d; c++) {
            out[outBase + c] = 0f;
        }
        for (int u = from; u < to; u++) {
            float weight = w[wBase + (u - from) * wStride];
            int xBase = u * xLd + xOff;
            for (int c = 0; c < d; c++) {
                out[outBase + c] += weight * x[xBase + c];
            }
        }
        for (int c = 0; c < d; c++) {
            out[outBase + c] *= scale;
        }
    }
}

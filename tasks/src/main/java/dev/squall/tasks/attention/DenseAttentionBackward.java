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
            int row = rowOffset + r;
            int j = row / heads;
            int h = row % heads;
            int b = AttentionMask.sequenceOf(seqStart, j);
            int start = seqStart[b];
            int base = j * ld + vCol + h * d;
            for (int c = 0; c < d; c++) {
                dv[base + c] = 0f;
            }
            for (int i = start; i < seqStart[b + 1]; i++) {
                float pij = p[(i * heads + h) * maxLen + j - start];
                int oBase = (i * heads + h) * d;
                for (int c = 0; c < d; c++) {
                    dv[base + c] += pij * dOut[oBase + c];
                }
            }
        }
    }

    /** {@code dp[row, j] = dOut[t, h, :] · v[start + j, h, :]} for the keys of the query's sequence, 0 past its end. */
    public static void probabilityGradient(float[] dOut, float[] v, @Out float[] dp, int[] seqStart, int heads, int d,
                                           int ld, int vCol, int maxLen, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int row = rowOffset + r;
            int t = row / heads;
            int h = row % heads;
            int b = AttentionMask.sequenceOf(seqStart, t);
            int start = seqStart[b];
            int len = seqStart[b + 1] - start;
            for (int j = 0; j < maxLen; j++) {
                dp[row * maxLen + j] = j < len ? KeyStream.score(dOut, row * d, v, (start + j) * ld + vCol + h * d, d, 1f)
                        : 0f;
            }
        }
    }

    /** {@code dq[t, h, :] = Σ_j ds[row, j] · k[start + j, h, :] / √d}. */
    public static void queryGradient(float[] ds, float[] k, @Out float[] dq, int[] seqStart, int heads, int d, int ld,
                                     int kCol, int maxLen, int rowOffset, int rowCount) {
        float scale = AttentionMask.scale(d);
        for (@Parallel int r = 0; r < rowCount; r++) {
            int row = rowOffset + r;
            int t = row / heads;
            int h = row % heads;
            int b = AttentionMask.sequenceOf(seqStart, t);
            int start = seqStart[b];
            int base = t * ld + h * d;
            for (int c = 0; c < d; c++) {
                dq[base + c] = 0f;
            }
            for (int j = start; j < seqStart[b + 1]; j++) {
                float dsj = ds[row * maxLen + j - start];
                int kBase = j * ld + kCol + h * d;
                for (int c = 0; c < d; c++) {
                    dq[base + c] += dsj * k[kBase + c];
                }
            }
            for (int c = 0; c < d; c++) {
                dq[base + c] *= scale;
            }
        }
    }

    /** {@code dk[j, h, :] = Σ_i ds[i·heads + h, j − start] · q[i, h, :] / √d} over the queries {@code i} of key {@code j}'s sequence. */
    public static void keyGradient(float[] ds, float[] q, @Out float[] dk, int[] seqStart, int heads, int d, int ld,
                                   int kCol, int maxLen, int rowOffset, int rowCount) {
        float scale = AttentionMask.scale(d);
        for (@Parallel int r = 0; r < rowCount; r++) {
            int row = rowOffset + r;
            int j = row / heads;
            int h = row % heads;
            int b = AttentionMask.sequenceOf(seqStart, j);
            int start = seqStart[b];
            int base = j * ld + kCol + h * d;
            for (int c = 0; c < d; c++) {
                dk[base + c] = 0f;
            }
            for (int i = start; i < seqStart[b + 1]; i++) {
                float dsij = ds[(i * heads + h) * maxLen + j - start];
                int qBase = i * ld + h * d;
                for (int c = 0; c < d; c++) {
                    dk[base + c] += dsij * q[qBase + c];
                }
            }
            for (int c = 0; c < d; c++) {
                dk[base + c] *= scale;
            }
        }
    }
}

package dev.squall.tasks.attention;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;

/**
 * Unfused multi-head attention in the textbook three steps, with the score matrix materialised:
 * {@link #scores} writes {@code S = Q·Kᵀ/√d (+ mask)} as {@code [tokens, heads, maxLen]}, a row softmax
 * turns it into probabilities (see {@code Softmax}), and {@link #weightedSum} multiplies them by V.
 * Sequences, layout and masks are described in the package documentation. Parallel rows are the
 * {@code tokens·heads} (query, head) pairs, {@code row = t·heads + h}.
 */
public final class DenseAttention {
    private DenseAttention() {
    }

    /**
     * Writes the score row of each query: {@code s[row, j]} for the {@code j} keys of its sequence, −∞
     * where masked and for {@code j} from the sequence's length up to {@code maxLen}.
     */
    public static void scores(float[] q, float[] k, float[] mask, @Out float[] s, int[] seqStart, int heads, int d,
                              int ld, int kCol, int maskFlags, int maxLen, int rowOffset, int rowCount) {
        float scale = AttentionMask.scale(d);
        for (@Parallel int r = 0; r < rowCount; r++) {
            int row = rowOffset + r;
            int t = row / heads;
            int h = row % heads;
            int b = AttentionMask.sequenceOf(seqStart, t);
            int start = seqStart[b];
            int len = seqStart[b + 1] - start;
            int qBase = t * ld + h * d;
            for (int j = 0; j < maxLen; j++) {
                s[row * maxLen + j] = j < len
                        ? AttentionMask.score(q, qBase, k, (start + j) * ld + kCol + h * d, d, scale, mask, maskFlags,
                                maxLen, t - start, j) + AttentionMask.keyBias(mask, maskFlags, maxLen, start + j)
                        : Float.NEGATIVE_INFINITY;
            }
        }
    }

    /** {@code out[t, h, :] = Σ_j p[row, j] · v[start + j, h, :]} over the keys of each query's sequence. */
    public static void weightedSum(float[] p, float[] v, @Out float[] out, int[] seqStart, int heads, int d, int ld,
                                   int vCol, int maxLen, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int row = rowOffset + r;
            int t = row / heads;
            int h = row % heads;
            int b = AttentionMask.sequenceOf(seqStart, t);
            int start = seqStart[b];
            int len = seqStart[b + 1] - start;
            int outBase = t * heads * d + h * d;
            for (int c = 0; c < d; c++) {
                out[outBase + c] = 0f;
            }
            for (int j = 0; j < len; j++) {
                float pj = p[row * maxLen + j];
                int vBase = (start + j) * ld + vCol + h * d;
                for (int c = 0; c < d; c++) {
                    out[outBase + c] += pj * v[vBase + c];
                }
            }
        }
    }
}

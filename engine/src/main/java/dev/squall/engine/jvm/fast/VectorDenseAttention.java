package dev.squall.engine.jvm.fast;

import dev.squall.engine.jvm.FastPathFor;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.attention.DenseAttention;

/**
 * Fast paths of the unfused attention kernels {@link DenseAttention#scores} and
 * {@link DenseAttention#weightedSum}, built from the same vector dot products and weighted sums as
 * {@link VectorFusedAttention}, so that fused-versus-unfused comparisons compare algorithms, not code quality.
 */
@FastPathFor(DenseAttention.class)
public final class VectorDenseAttention {
    private VectorDenseAttention() {
    }

    /** Fast {@link DenseAttention#scores}. */
    public static void scores(float[] q, float[] k, float[] mask, float[] s, int[] seqStart, int heads, int d,
                              int ld, int kCol, int maskFlags, int maxLen, int rowOffset, int rowCount) {
        float scale = AttentionMask.scale(d);
        boolean causal = (maskFlags & AttentionMask.CAUSAL) != 0;
        boolean additive = (maskFlags & AttentionMask.ADDITIVE) != 0;
        for (int r = 0; r < rowCount; r++) {
            int row = rowOffset + r;
            int t = row / heads;
            int h = row % heads;
            int b = AttentionMask.sequenceOf(seqStart, t);
            int start = seqStart[b];
            int len = seqStart[b + 1] - start;
            int i = t - start;
            int base = row * maxLen;
            int visible = causal ? Math.min(len, i + 1) : len;
            AttentionVectors.dots(q, t * ld + h * d, k, start * ld + kCol + h * d, ld, visible, d, s, base);
            for (int j = 0; j < visible; j++) {
                float v = s[base + j] * scale;
                s[base + j] = additive ? v + mask[i * maxLen + j] : v;
            }
            java.util.Arrays.fill(s, base + visible, base + maxLen, Float.NEGATIVE_INFINITY);
        }
    }

    /** Fast {@link DenseAttention#weightedSum}. */
    public static void weightedSum(float[] p, float[] v, float[] out, int[] seqStart, int heads, int d, int ld,
                                   int vCol, int maxLen, int rowOffset, int rowCount) {
        for (int r = 0; r < rowCount; r++) {
            int row = rowOffset + r;
            int t = row / heads;
            int h = row % heads;
            int b = AttentionMask.sequenceOf(seqStart, t);
            int start = seqStart[b];
            int len = seqStart[b + 1] - start;
            int outBase = t * heads * d + h * d;
            java.util.Arrays.fill(out, outBase, outBase + d, 0f);
            AttentionVectors.weightedSum(p, row * maxLen, len, v, start * ld + vCol + h * d, ld, out, outBase, d);
        }
    }
}

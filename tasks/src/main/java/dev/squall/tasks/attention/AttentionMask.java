package dev.squall.tasks.attention;

/** Mask flags shared by the attention kernels, and the helpers that apply them and find sequences. */
public final class AttentionMask {
    /** Query {@code i} sees only keys {@code j <= i}. */
    public static final int CAUSAL = 1;
    /** An additive {@code [maxLen, maxLen]} mask is added to the scaled scores. */
    public static final int ADDITIVE = 2;
    /**
     * An additive per-key mask is added to the scaled scores: one value per key token, indexed by the
     * token's row in the packed arrays ({@code [tokens]}; for sequences padded to {@code maxLen} that is
     * the {@code [batch, maxLen]} attention mask), 0 for a real key and −∞ for padding. It follows the
     * {@code [maxLen, maxLen]} section in the mask array when {@link #ADDITIVE} is set too.
     */
    public static final int KEY_PADDING = 4;

    private AttentionMask() {
    }

    /**
     * Scaled, masked score of query vector {@code q[qBase .. qBase+d)} against key vector
     * {@code k[kBase .. kBase+d)} at positions ({@code i}, {@code j}) of their sequence: −∞ when masked
     * out. {@code maskStride} is the row stride of the additive mask.
     */
    public static float score(float[] q, int qBase, float[] k, int kBase, int d, float scale, float[] mask,
                              int maskFlags, int maskStride, int i, int j) {
        if ((maskFlags & CAUSAL) != 0 && j > i) {
            return Float.NEGATIVE_INFINITY;
        }
        float dot = 0f;
        for (int c = 0; c < d; c++) {
            dot += q[qBase + c] * k[kBase + c];
        }
        float s = dot * scale;
        if ((maskFlags & ADDITIVE) != 0) {
            s += mask[i * maskStride + j];
        }
        return s;
    }

    /**
     * The {@link #KEY_PADDING} term of key token {@code key} (its row in the packed arrays): 0 without
     * that flag. Added to {@link #score}, so a key hidden by it contributes an exact zero probability.
     */
    public static float keyBias(float[] mask, int maskFlags, int maxLen, int key) {
        if ((maskFlags & KEY_PADDING) == 0) {
            return 0f;
        }
        int base = (maskFlags & ADDITIVE) != 0 ? maxLen * maxLen : 0;
        return mask[base + key];
    }

    /** {@code 1/√d}, the scale of dot-product attention. */
    public static float scale(int d) {
        return (float) (1.0 / Math.sqrt(d));
    }

    /** The sequence holding token {@code t}: the {@code b} with {@code seqStart[b] <= t < seqStart[b+1]}. */
    public static int sequenceOf(int[] seqStart, int t) {
        int b = 0;
        while (seqStart[b + 1] <= t) {
            b++;
        }
        return b;
    }
}

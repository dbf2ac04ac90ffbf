package dev.squall.tasks.attention;

/** Mask flags shared by the attention kernels, and the score helper that applies them. */
public final class AttentionMask {
    /** Query {@code i} sees only keys {@code j <= i}. */
    public static final int CAUSAL = 1;
    /** An additive {@code [n, n]} mask is added to the scaled scores. */
    public static final int ADDITIVE = 2;

    private AttentionMask() {
    }

    /**
     * Scaled, masked score of query vector {@code q[qBase .. qBase+d)} against key vector
     * {@code k[kBase .. kBase+d)} at position ({@code i}, {@code j}): −∞ when masked out.
     */
    public static float score(float[] q, int qBase, float[] k, int kBase, int d, float scale, float[] mask,
                              int maskFlags, int n, int i, int j) {
        if ((maskFlags & CAUSAL) != 0 && j > i) {
            return Float.NEGATIVE_INFINITY;
        }
        float dot = 0f;
        for (int c = 0; c < d; c++) {
            dot += q[qBase + c] * k[kBase + c];
        }
        float s = dot * scale;
        if ((maskFlags & ADDITIVE) != 0) {
            s += mask[i * n + j];
        }
        return s;
    }

    /** {@code 1/√d}, the scale of dot-product attention. */
    public static float scale(int d) {
        return (float) (1.0 / Math.sqrt(d));
    }
}

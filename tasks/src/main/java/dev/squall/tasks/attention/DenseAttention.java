package dev.squall.tasks.attention;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;

/**
 * Unfused multi-head attention in the textbook three steps, with the score matrix materialised:
 * {@link #scores} writes {@code S = Q·Kᵀ/√d (+ mask)} as {@code [batch, heads, n, n]}, a row softmax turns
 * it into probabilities (see {@code Softmax}), and {@link #weightedSum} multiplies them by V. Layout and
 * masks are described in the package documentation. Parallel rows are the {@code batch·heads·n}
 * (sequence, head, query) triples.
 */
public final class DenseAttention {
    private DenseAttention() {
    }

    /** Writes the score row of each query: {@code s[row, j]} for all {@code n} keys, −∞ where masked. */
    public static void scores(float[] q, float[] k, float[] mask, @Out float[] s, int heads, int n, int d, int ld,
                              int qCol, int kCol, int maskFlags, int rowOffset, int rowCount) {
        float scale = AttentionMask.scale(d);
        for (@Parallel int r = 0; r < rowCount; r++) {
            int row = rowOffset + r;
            int bh = row / n;
            int i = row % n;
            int b = bh / heads;
            int h = bh % heads;
            int qBase = (b * n + i) * ld + qCol + h * d;
            for (int j = 0; j < n; j++) {
                int kBase = (b * n + j) * ld + kCol + h * d;
                s[row * n + j] = AttentionMask.score(q, qBase, k, kBase, d, scale, mask, maskFlags, n, i, j);
            }
        }
    }

    /** {@code out[b, i, h, :] = Σ_j p[row, j] · v[b, j, h, :]} for each query row of probabilities. */
    public static void weightedSum(float[] p, float[] v, @Out float[] out, int heads, int n, int d, int ld, int vCol,
                                   int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int row = rowOffset + r;
            int bh = row / n;
            int i = row % n;
            int b = bh / heads;
            int h = bh % heads;
            int outBase = (b * n + i) * heads * d + h * d;
            for (int c = 0; c < d; c++) {
                out[outBase + c] = 0f;
            }
            for (int j = 0; j < n; j++) {
                float pj = p[row * n + j];
                int vBase = (b * n + j) * ld + vCol + h * d;
                for (int c = 0; c < d; c++) {
                    out[outBase + c] += pj * v[vBase + c];
                }
            }
        }
    }
}

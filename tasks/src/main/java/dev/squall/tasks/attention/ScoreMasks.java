package dev.squall.tasks.attention;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;

/**
 * The "naive masked" step of unfused sparse attention: a materialised {@code [tokens·heads, maxLen]}
 * score matrix (row {@code t·heads + h}, see {@link DenseAttention#scores}) is copied with every score
 * that a boolean pattern mask hides replaced by −∞, ready for the row softmax. This is how a framework
 * without sparse kernels runs a sparse pattern: full {@code n × n} cost, the pattern applied as a mask.
 *
 * <p>{@code masks} holds {@code M} boolean masks of {@code [maxLen, maxLen]} (1 = visible) and
 * {@code maskOf[b·heads + h]} picks the one for sequence {@code b}, head {@code h}, so patterns that vary
 * by head or by sequence length need one mask per variant, not one per sequence.
 */
public final class ScoreMasks {
    private ScoreMasks() {
    }

    /** {@code masked[row, j] = scores[row, j]} where the row's mask shows key {@code j}, −∞ elsewhere. */
    public static void apply(float[] scores, byte[] masks, int[] maskOf, @Out float[] masked, int[] seqStart,
                             int heads, int maxLen, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int row = rowOffset + r;
            int t = row / heads;
            int h = row % heads;
            int b = AttentionMask.sequenceOf(seqStart, t);
            int maskRow = (maskOf[b * heads + h] * maxLen + t - seqStart[b]) * maxLen;
            for (int j = 0; j < maxLen; j++) {
                masked[row * maxLen + j] = masks[maskRow + j] != 0 ? scores[row * maxLen + j] : Float.NEGATIVE_INFINITY;
            }
        }
    }
}

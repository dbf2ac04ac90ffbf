package dev.squall.tasks.attention;

import dev.squall.tasks.softmax.Softmax;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;

/**
 * Runs the unfused attention pipeline {@link DenseAttention#scores} → {@link Softmax#softmax} →
 * {@link DenseAttention#weightedSum} on an {@link AttentionCase}, each step through {@link RowSlices#run}
 * (poisoned outputs, random row splits checked bit-identical).
 *
 * @param scores the {@code [tokens·heads, maxLen]} scores
 * @param probs  the {@code [tokens·heads, maxLen]} probabilities
 * @param out    the {@code [tokens, heads·d]} output
 */
public record UnfusedAttention(float[] scores, float[] probs, float[] out) {

    /** Runs the three kernels on {@code c}. */
    public static UnfusedAttention run(AttentionCase c, RandomArrays rnd, Subject subject) {
        int rows = c.queryRows();
        int n = c.maxLen();
        float[] scores = new float[rows * n];
        float[] probs = new float[rows * n];
        float[] out = new float[c.outputSize()];
        RowSlices.run(subject.with("scores"), rnd, rows, (off, cnt) -> DenseAttention.scores(c.q(), c.k(), c.mask(),
                scores, c.seqStart(), c.heads(), c.d(), c.ld(), c.kCol(), c.maskFlags(), n, off, cnt), scores);
        RowSlices.run(subject.with("softmax"), rnd, rows, (off, cnt) -> Softmax.softmax(scores, probs, n, off, cnt),
                probs);
        RowSlices.run(subject.with("weightedSum"), rnd, rows, (off, cnt) -> DenseAttention.weightedSum(probs, c.v(),
                out, c.seqStart(), c.heads(), c.d(), c.ld(), c.vCol(), n, off, cnt), out);
        return new UnfusedAttention(scores, probs, out);
    }
}

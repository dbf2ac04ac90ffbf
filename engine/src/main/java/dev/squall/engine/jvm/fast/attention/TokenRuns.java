package dev.squall.engine.jvm.fast.attention;

import dev.squall.tasks.attention.AttentionMask;

/**
 * The rows {@code token·heads + head} of the per-token attention kernels ({@code DenseAttention} forward and
 * backward, the read-out of linear attention), regrouped into maximal runs of consecutive tokens of one sequence and
 * one head, so that each run can be one blocked product.
 */
final class TokenRuns {
    private TokenRuns() {
    }

    /** The rows of a run: tokens {@code [t0, t1)} of the sequence starting at {@code start}, head {@code h}. */
    @FunctionalInterface
    interface Run {
        void apply(int t0, int t1, int start, int len, int h);
    }

    /** Calls {@code run} for each run of rows {@code [rowOffset, rowOffset + rowCount)}. */
    static void forEach(int[] seqStart, int heads, int rowOffset, int rowCount, Run run) {
        if (rowCount <= 0) {
            return;
        }
        int firstToken = rowOffset / heads;
        int lastToken = (rowOffset + rowCount - 1) / heads;
        for (int h = 0; h < heads; h++) {
            int t0 = rowOffset <= firstToken * heads + h ? firstToken : firstToken + 1;
            int t1 = rowOffset + rowCount > lastToken * heads + h ? lastToken + 1 : lastToken;
            int t = t0;
            while (t < t1) {
                int b = AttentionMask.sequenceOf(seqStart, t);
                int end = Math.min(t1, seqStart[b + 1]);
                run.apply(t, end, seqStart[b], seqStart[b + 1] - seqStart[b], h);
                t = end;
            }
        }
    }
}

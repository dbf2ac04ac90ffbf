package dev.squall.engine.layers.pattern;

import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.layers.QkvLayout;
import dev.squall.engine.layers.Sequences;

/**
 * A pattern that is a mask over keys: each query attends, with an exact softmax, to a subset of the keys
 * of its sequence. Its unfused form is the naive masked attention: dense scores, the mask, softmax,
 * weighted sum; the masked score matrix is also where its effective mask is read ({@link EffectiveMask}).
 */
public sealed interface MaskPattern extends AttentionPattern
        permits WindowPattern, BlockPattern, TopKPattern, ClusterPattern {

    /**
     * Adds tasks that write the dense {@code [tokens·heads, maxLen]} score matrix (row {@code t·heads + h})
     * with every key the pattern hides — and every key the causal mask hides, and every position past the
     * sequence's end — at −∞; returns that matrix.
     */
    float[] addMaskedScores(TaskGraph g, String name, QkvLayout qkv, Sequences seqs, int heads, int headDim,
                            boolean causal);

    @Override
    default void addUnfused(TaskGraph g, String name, QkvLayout qkv, float[] out, Sequences seqs, int heads,
                            int headDim, boolean causal) {
        float[] masked = addMaskedScores(g, name, qkv, seqs, heads, headDim, causal);
        NaiveAttention.finish(g, name, masked, qkv, out, seqs, heads, headDim);
    }
}

package dev.squall.engine.layers.pattern;

import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.layers.QkvLayout;
import dev.squall.engine.layers.Sequences;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.attention.QueryBlocks;
import dev.squall.tasks.attention.TopKAttention;

/**
 * {@code topk:K}: each query keeps its {@code K} highest scores (equal scores: the earlier key), exactly.
 * Selecting them needs every score, so the compute is dense ({@code O(n²·d)}); the memory is
 * {@code O(n·K)} per head: each query streams over its keys with a {@code K}-entry heap, no {@code n × n}
 * buffer. Kernel: {@link TopKAttention}; the unfused form selects on the materialised score matrix.
 *
 * @param k keys kept per query, {@code >= 1} ({@code K ≥ n} is dense attention)
 */
public record TopKPattern(int k) implements MaskPattern {

    /** Checks {@code K}. */
    public TopKPattern {
        PatternParser.require(k >= 1, "topk", "K must be >= 1, got " + k);
    }

    @Override
    public String spec() {
        return "topk:" + k;
    }

    @Override
    public void check(Sequences seqs, int heads) {
        PatternParser.require((long) seqs.tokens() * heads * k <= Integer.MAX_VALUE - 8, "topk",
                "K=" + k + " needs a heap of tokens*heads*K = " + (long) seqs.tokens() * heads * k
                        + " entries, more than a Java array holds");
    }

    @Override
    public void addFused(TaskGraph g, String name, QkvLayout qkv, float[] out, Sequences seqs, int heads, int headDim,
                         boolean causal) {
        int[] pattern = {causal ? AttentionMask.CAUSAL : 0, k};
        float[] topScore = new float[seqs.tokens() * heads * k];
        int[] topKey = new int[topScore.length];
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, seqs.starts(), pattern);
        g.task(name, QueryBlocks.rows(seqs.starts(), seqs.batch(), heads), TopKAttention::attention, qkv.q(), qkv.k(),
                qkv.v(), out, seqs.starts(), pattern, topScore, topKey, heads, headDim, qkv.ld(), qkv.kCol(), qkv.vCol());
    }

    @Override
    public float[] addMaskedScores(TaskGraph g, String name, QkvLayout qkv, Sequences seqs, int heads, int headDim,
                                   boolean causal) {
        float[] scores = NaiveAttention.scores(g, name, qkv, seqs, heads, headDim, causal);
        int[] pattern = {causal ? AttentionMask.CAUSAL : 0, k};
        float[] masked = new float[scores.length];
        float[] topScore = new float[seqs.tokens() * heads * k];
        int[] topKey = new int[topScore.length];
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, pattern);
        g.task(name + ".topk", seqs.tokens() * heads, TopKAttention::keepTopK, scores, masked, topScore, topKey, pattern,
                seqs.maxLen());
        return masked;
    }
}

package dev.squall.engine.layers;

import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.tasks.attention.DenseAttention;
import dev.squall.tasks.softmax.Softmax;

/**
 * Textbook attention in three tasks with the {@code [tokens, heads, maxLen]} score matrix materialised
 * twice (scores, then probabilities), as an unfused framework runs it.
 */
public final class UnfusedAttention implements AttentionOp {
    private final float[] keyPadding;

    /** Attention over packed sequences (no padding). */
    public UnfusedAttention() {
        this(null);
    }

    /**
     * Attention over padded sequences whose padding keys are hidden by {@code keyPadding}, the
     * {@code KEY_PADDING} mask with one value per token (see {@link PaddedBatch#keyPaddingMask()}), or
     * over packed sequences when it is null.
     */
    public UnfusedAttention(float[] keyPadding) {
        this.keyPadding = keyPadding;
    }

    @Override
    public String name() {
        return "unfused";
    }

    @Override
    public void addTo(TaskGraph g, String name, QkvLayout qkv, float[] out, Sequences seqs, int heads, int headDim,
                      boolean causal) {
        int rows = Math.multiplyExact(seqs.tokens(), heads);
        int width = seqs.maxLen();
        float[] scores = new float[Math.multiplyExact(rows, width)];
        float[] probs = new float[scores.length];
        MaskArgs mask = MaskArgs.of(causal, keyPadding, seqs);
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, mask.array(), seqs.starts());
        g.task(name + ".scores", rows, DenseAttention::scores, qkv.q(), qkv.k(), mask.array(), scores, seqs.starts(),
                heads, headDim, qkv.ld(), qkv.kCol(), mask.flags(), width);
        g.task(name + ".softmax", rows, Softmax::softmax, scores, probs, width);
        g.task(name + ".weightedSum", rows, DenseAttention::weightedSum, probs, qkv.v(), out, seqs.starts(), heads,
                headDim, qkv.ld(), qkv.vCol(), width);
    }
}

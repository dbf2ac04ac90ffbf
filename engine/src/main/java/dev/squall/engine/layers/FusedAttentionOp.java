package dev.squall.engine.layers;

import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.tasks.attention.FusedAttention;

/** FlashAttention-style attention in one task: online softmax, no {@code n × n} buffer. */
public final class FusedAttentionOp implements AttentionOp {
    private final float[] keyPadding;

    /** Attention over packed sequences (no padding). */
    public FusedAttentionOp() {
        this(null);
    }

    /**
     * Attention over padded sequences whose padding keys are hidden by {@code keyPadding}, the
     * {@code KEY_PADDING} mask with one value per token (see {@link PaddedBatch#keyPaddingMask()}), or
     * over packed sequences when it is null.
     */
    public FusedAttentionOp(float[] keyPadding) {
        this.keyPadding = keyPadding;
    }

    @Override
    public String name() {
        return "fused";
    }

    @Override
    public void addTo(TaskGraph g, String name, QkvLayout qkv, float[] out, Sequences seqs, int heads, int headDim,
                      boolean causal) {
        MaskArgs mask = MaskArgs.of(causal, keyPadding, seqs);
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, mask.array(), seqs.starts());
        g.task(name, FusedAttention.rows(seqs.starts(), seqs.batch(), heads), FusedAttention::attention, qkv.q(),
                qkv.k(), qkv.v(), mask.array(), out, seqs.starts(), heads, headDim, qkv.ld(), qkv.kCol(), qkv.vCol(),
                mask.flags(), seqs.maxLen());
    }
}

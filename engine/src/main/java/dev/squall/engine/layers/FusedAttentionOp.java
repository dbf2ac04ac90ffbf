package dev.squall.engine.layers;

import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.attention.FusedAttention;

/** FlashAttention-style attention in one task: online softmax, no {@code n × n} buffer. */
public final class FusedAttentionOp implements AttentionOp {

    @Override
    public String name() {
        return "fused";
    }

    @Override
    public void addTo(TaskGraph g, String name, QkvLayout qkv, float[] out, Sequences seqs, int heads, int headDim,
                      boolean causal) {
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, NoMask.ARRAY, seqs.starts());
        g.task(name, FusedAttention.rows(seqs.starts(), seqs.batch(), heads), FusedAttention::attention, qkv.q(),
                qkv.k(), qkv.v(), NoMask.ARRAY, out, seqs.starts(), heads, headDim, qkv.ld(), qkv.kCol(), qkv.vCol(),
                causal ? AttentionMask.CAUSAL : 0, seqs.maxLen());
    }
}

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
    public void addTo(TaskGraph g, String name, QkvLayout qkv, float[] out, int batch, int n, int heads, int headDim,
                      boolean causal) {
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, NoMask.ARRAY);
        g.task(name, FusedAttention.rows(batch, heads, n), FusedAttention::attention, qkv.q(), qkv.k(), qkv.v(),
                NoMask.ARRAY, out, heads, n, headDim, qkv.ld(), qkv.qCol(), qkv.kCol(), qkv.vCol(),
                causal ? AttentionMask.CAUSAL : 0);
    }
}

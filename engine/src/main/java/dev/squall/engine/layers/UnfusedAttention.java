package dev.squall.engine.layers;

import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.attention.DenseAttention;
import dev.squall.tasks.softmax.Softmax;

/**
 * Textbook attention in three tasks with the {@code [batch, heads, n, n]} score matrix materialised twice
 * (scores, then probabilities), as an unfused framework runs it.
 */
public final class UnfusedAttention implements AttentionOp {
    @Override
    public String name() {
        return "unfused";
    }

    @Override
    public void addTo(TaskGraph g, String name, QkvLayout qkv, float[] out, int batch, int n, int heads, int headDim,
                      boolean causal) {
        int rows = batch * heads * n;
        float[] scores = new float[Math.multiplyExact(rows, n)];
        float[] probs = new float[scores.length];
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, NoMask.ARRAY);
        g.task(name + ".scores", rows, DenseAttention::scores, qkv.q(), qkv.k(), NoMask.ARRAY, scores, heads, n, headDim,
                qkv.ld(), qkv.qCol(), qkv.kCol(), causal ? AttentionMask.CAUSAL : 0);
        g.task(name + ".softmax", rows, Softmax::softmax, scores, probs, n);
        g.task(name + ".weightedSum", rows, DenseAttention::weightedSum, probs, qkv.v(), out, heads, n, headDim,
                qkv.ld(), qkv.vCol());
    }
}

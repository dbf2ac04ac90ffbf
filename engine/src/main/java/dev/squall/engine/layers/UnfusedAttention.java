package dev.squall.engine.layers;

import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.attention.DenseAttention;
import dev.squall.tasks.softmax.Softmax;

/**
 * Textbook attention in three tasks with the {@code [tokens, heads, maxLen]} score matrix materialised
 * twice (scores, then probabilities), as an unfused framework runs it.
 */
public final class UnfusedAttention implements AttentionOp {

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
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, NoMask.ARRAY, seqs.starts());
        g.task(name + ".scores", rows, DenseAttention::scores, qkv.q(), qkv.k(), NoMask.ARRAY, scores, seqs.starts(),
                heads, headDim, qkv.ld(), qkv.kCol(), causal ? AttentionMask.CAUSAL : 0, width);
        g.task(name + ".softmax", rows, Softmax::softmax, scores, probs, width);
        g.task(name + ".weightedSum", rows, DenseAttention::weightedSum, probs, qkv.v(), out, seqs.starts(), heads,
                headDim, qkv.ld(), qkv.vCol(), width);
    }
}

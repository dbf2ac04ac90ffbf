package dev.squall.engine.layers.pattern;

import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.layers.QkvLayout;
import dev.squall.engine.layers.Sequences;
import dev.squall.tasks.attention.LinearAttention;

/**
 * {@code linear}: SLAB's simplified linear attention, {@code out_i = φ(q_i)ᵀ Σ_j φ(k_j) v_jᵀ / φ(q_i)·Σ_j φ(k_j)}
 * with {@code φ = ReLU}, {@code O(n·d²)} per (sequence, head); causal through the prefix-sum scan. The
 * unfused form runs the same kernels: there is no mask. Kernels: {@link LinearAttention}.
 */
public record LinearPattern() implements AttentionPattern {

    @Override
    public String spec() {
        return "linear";
    }

    @Override
    public void check(Sequences seqs, int heads) {
        // No parameter depends on the sequences.
    }

    @Override
    public void addFused(TaskGraph g, String name, QkvLayout qkv, float[] out, Sequences seqs, int heads, int headDim,
                         boolean causal) {
        float[] state = new float[LinearAttention.stateSize(seqs.batch(), heads, headDim)];
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, seqs.starts());
        if (causal) {
            g.task(name, seqs.batch() * heads, LinearAttention::causalScan, qkv.q(), qkv.k(), qkv.v(), state, out,
                    seqs.starts(), heads, headDim, qkv.ld(), qkv.kCol(), qkv.vCol());
        } else {
            g.task(name + ".summarise", seqs.batch() * heads, LinearAttention::summarise, qkv.k(), qkv.v(), seqs.starts(),
                    state, heads, headDim, qkv.ld(), qkv.kCol(), qkv.vCol());
            g.task(name, seqs.tokens() * heads, LinearAttention::attention, qkv.q(), state, out, seqs.starts(), heads,
                    headDim, qkv.ld());
        }
    }

    @Override
    public void addUnfused(TaskGraph g, String name, QkvLayout qkv, float[] out, Sequences seqs, int heads, int headDim,
                           boolean causal) {
        addFused(g, name, qkv, out, seqs, heads, headDim, causal);
    }
}

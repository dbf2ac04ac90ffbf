package dev.squall.engine.layers.pattern;

import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.layers.AttentionOp;
import dev.squall.engine.layers.QkvLayout;
import dev.squall.engine.layers.Sequences;

/**
 * The attention step of a block computed with a pattern: its fused kernel, or its unfused (naive masked)
 * form. The pattern is checked against the sequences and heads when the tasks are added.
 *
 * @param pattern the pattern
 * @param fused   whether to add the fused form
 */
public record PatternAttentionOp(AttentionPattern pattern, boolean fused) implements AttentionOp {

    @Override
    public String name() {
        return pattern.spec() + (fused ? "" : " (unfused)");
    }

    @Override
    public void addTo(TaskGraph g, String name, QkvLayout qkv, float[] out, Sequences seqs, int heads, int headDim,
                      boolean causal) {
        pattern.check(seqs, heads);
        if (fused) {
            pattern.addFused(g, name, qkv, out, seqs, heads, headDim, causal);
        } else {
            pattern.addUnfused(g, name, qkv, out, seqs, heads, headDim, causal);
        }
    }
}

package dev.squall.engine.layers;

import dev.squall.engine.graph.TaskGraph;

/**
 * The attention step of a block: adds to a graph the tasks that compute, for {@code batch} sequences of
 * {@code n} tokens, {@code out[tokens, heads·headDim]} from the queries, keys and values in {@code qkv}.
 */
public interface AttentionOp {
    /** Short name for tables, e.g. {@code dense} or {@code fused}. */
    String name();

    /** Adds the tasks; their names start with {@code name}. */
    void addTo(TaskGraph g, String name, QkvLayout qkv, float[] out, int batch, int n, int heads, int headDim,
               boolean causal);
}

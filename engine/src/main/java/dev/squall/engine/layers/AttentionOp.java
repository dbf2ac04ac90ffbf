package dev.squall.engine.layers;

import dev.squall.engine.graph.TaskGraph;

/**
 * The attention step of a block: adds to a graph the tasks that compute, for the sequences of
 * {@code seqs}, {@code out[tokens, heads·headDim]} from the queries, keys and values in {@code qkv}. No
 * token attends across sequences.
 */
public interface AttentionOp {
    /** Short name for tables, e.g. {@code unfused} or {@code fused}. */
    String name();

    /** Adds the tasks; their names start with {@code name}. */
    void addTo(TaskGraph g, String name, QkvLayout qkv, float[] out, Sequences seqs, int heads, int headDim,
               boolean causal);
}

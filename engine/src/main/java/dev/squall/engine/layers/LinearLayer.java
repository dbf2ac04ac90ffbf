package dev.squall.engine.layers;

import dev.squall.engine.graph.TaskGraph;

import java.util.List;

/**
 * A linear layer {@code y = act(x·Wᵀ + b)} in whatever format its weight is stored (fp32 here; quantised
 * formats add their own), able to add the tasks that compute it to a graph.
 */
public interface LinearLayer {
    /** Input features. */
    int in();

    /** Output features. */
    int out();

    /** The fp32 bias, {@code out} values; every weight format keeps its bias in fp32. */
    float[] bias();

    /** The weight and bias arrays its tasks read, to be transferred to the device once. */
    List<Object> weightArrays();

    /** The layer restricted to output features {@code [from, from + count)}. */
    LinearLayer slice(int from, int count);

    /**
     * Adds the task(s) computing {@code out[rows, out] = act(x[rows, in]·Wᵀ (+ bias))}: the bias is added
     * only when {@code withBias}, then activation {@code activation} (an {@code Activations} code) is applied.
     */
    void addTo(TaskGraph g, String name, float[] x, float[] out, int rows, boolean withBias, int activation);
}

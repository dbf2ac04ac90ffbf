package dev.squall.engine.graph;

import dev.squall.tasks.activation.Activations;
import dev.squall.tasks.elementwise.Elementwise;
import dev.squall.tasks.norm.Norms;

/**
 * A three-task graph for tests of graph splitting and device residency: {@code a = rmsNorm(x)},
 * {@code b = silu(a)}, {@code out = a + b}, so {@code a} is read two tasks after it is written.
 *
 * @param graph the graph
 * @param out   its output, {@code rows × cols}
 */
public record ChainGraph(TaskGraph graph, float[] out) {
    /** The chain on {@code x} ({@code rows × cols}) with the norm's {@code gamma}. */
    public static ChainGraph of(float[] x, float[] gamma, int rows, int cols) {
        float[] a = new float[x.length];
        float[] b = new float[x.length];
        float[] out = new float[x.length];
        TaskGraph g = new TaskGraph("chain")
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, gamma)
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, x)
                .task("norm", rows, Norms::rmsNorm, x, gamma, a, cols, 1e-5f)
                .task("act", rows, Activations::activation, a, b, cols, Activations.SILU)
                .task("add", rows, Elementwise::add, a, b, out, cols)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        return new ChainGraph(g, out);
    }
}

package dev.squall.engine.train;

import dev.squall.engine.graph.TaskGraph;
import dev.squall.tasks.activation.Activations;
import dev.squall.tasks.elementwise.Elementwise;
import dev.squall.tasks.gemm.Gemm;

/**
 * A linear layer {@code Y = X·Wᵀ + b} ({@code W [out, in]}, nanoGPT's layout) of a training graph: the forward
 * GEMM, and the backward {@code dX = dY·W}, {@code dW += dYᵀ·X}, {@code db += colsum(dY)} (the bias only when it
 * is a trained parameter).
 *
 * @param name   task-name prefix
 * @param weight {@code W}
 * @param bias   {@code b} (a zero stand-in without biases)
 * @param in     input features
 * @param out    output features
 */
record TrainLinear(String name, Parameter weight, Parameter bias, int in, int out) {
    /** Adds {@code y = x·Wᵀ + b} over {@code layout.rows()} rows. */
    void forward(TaskGraph g, Layout layout, float[] x, float[] y) {
        var t = layout.tiles();
        int rows = layout.rows();
        g.task(name, t.bands(rows), Gemm::tiledMatmulTransB, x, weight.value(), bias.value(), y, rows, out, in, 1,
                Activations.IDENTITY, t.m(), t.n(), t.k());
    }

    /** Adds the backward from {@code dY}; {@code dX} (written, not accumulated) may be null when not needed. */
    void backward(TaskGraph g, Layout layout, float[] dY, float[] x, float[] dX) {
        var t = layout.tiles();
        int rows = layout.rows();
        if (dX != null) {
            g.task(name + ".dx", t.bands(rows), Gemm::tiledMatmul, dY, weight.value(), bias.value(), dX, rows, in, out,
                    0, Activations.IDENTITY, t.m(), t.n(), t.k());
        }
        var a = layout.transA();
        g.task(name + ".dw", (out + a.n() - 1) / a.n(), Gemm::tiledMatmulTransA, dY, x, weight.grad(), rows, out, in,
                a.m(), a.n(), a.k());
        if (bias.m() != null) {
            g.task(name + ".db", Elementwise.columnPanels(out), Elementwise::addColumnSums, dY, bias.grad(), rows, out);
        }
    }

    /** The arrays the layer reads from the host. */
    Object[] values() {
        return new Object[] {weight.value(), bias.value()};
    }

    /** The gradients the backward accumulates into. */
    Object[] grads() {
        return bias.m() != null ? new Object[] {weight.grad(), bias.grad()} : new Object[] {weight.grad()};
    }
}

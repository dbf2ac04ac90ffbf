package dev.squall.engine.compress;

import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.io.NdArray;
import dev.squall.engine.layers.LinearLayer;
import dev.squall.tasks.precision.DenseGemm;

import java.util.List;
import java.util.Map;

/**
 * An fp32 linear layer stored by output rows ({@code [out, in]}, the layout of the compressed formats) and run
 * by {@link DenseGemm#gemmF32}: the baseline the compressed formats are measured against with the same loop
 * structure. (The project's default fp32 layer, {@code Linear}, keeps {@code Wᵀ} for its tiled GEMM.)
 *
 * @param w    {@code out · in} weights
 * @param bias {@code out} biases
 * @param in   input features
 * @param out  output features
 */
public record RowsLinear(float[] w, float[] bias, int in, int out) implements CompressedLinear {
    /** The format's facts: fp32 by output rows, stored as the plain fp32 weight. */
    public static final FormatFacts FORMAT = new FormatFacts("fp32-rows", List.of(), "fp32-rows", "32",
            "fp32 by output rows, the compressed formats' layout (baseline)", RowsLinear.class, false,
            a -> a.noParameter(RowsLinear::of), "", List.of("w"), null, List.of("fp32-rows"));

    /** Checks the size. */
    public RowsLinear {
        Parts.checkShape(in, out, bias);
        Parts.checkLength("fp32 weight", w.length, (long) out * in);
    }

    /** The layer of {@code w}, sharing its array. */
    public static RowsLinear of(RowWeights w) {
        return new RowsLinear(w.w(), w.bias(), w.in(), w.out());
    }

    @Override
    public FormatFacts facts() {
        return FORMAT;
    }

    @Override
    public float[] dequantize() {
        return w.clone();
    }

    @Override
    public long weightBytes() {
        return 4L * w.length;
    }

    /** Stored as the plain fp32 weight (see {@link CompressedStateDict}). */
    @Override
    public Map<String, NdArray> parts() {
        return Map.of("w", NdArray.of(w, out, in));
    }

    @Override
    public List<Object> weightArrays() {
        return List.of(w, bias);
    }

    @Override
    public LinearLayer slice(int from, int count) {
        Parts.checkSlice(from, count, out);
        return new RowsLinear(Parts.rows(w, in, from, count), Parts.rows(bias, 1, from, count), in, count);
    }

    @Override
    public void addTo(TaskGraph g, String name, float[] x, float[] y, int rows, boolean withBias, int activation) {
        g.task(name, out, DenseGemm::gemmF32, x, w, bias, y, rows, out, in, withBias ? 1 : 0, activation);
    }
}

package dev.squall.engine.compress;

import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.io.DType;
import dev.squall.engine.io.NdArray;
import dev.squall.engine.layers.LinearLayer;
import dev.squall.tasks.quant.Int8Activations;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A linear layer computing int8 × int8 as LLM.int8 does: int8 weights with a scale per output row, activations
 * quantised per row when they arrive, integer accumulation ({@link Int8Activations}). With a finite
 * {@code threshold}, input columns where some {@code |x| > threshold} are kept in fp32 (the outlier
 * decomposition); with {@code +∞} every column is quantised.
 *
 * @param weight    the int8 per-row weight ({@code groupSize = in})
 * @param threshold outlier threshold, {@code > 0}; {@link Float#POSITIVE_INFINITY} for none
 */
public record W8A8Linear(Int8Linear weight, float threshold) implements QuantizedActivations {
    /** The format's facts: {@code w8a8} (no outliers) or {@code w8a8:T}. */
    public static final FormatFacts FORMAT = new FormatFacts("w8a8", List.of(), "w8a8[:T]", "8",
            "int8 weights × int8 activations per row (LLM.int8); |x| > T stays fp32",
            W8A8Linear.class, true, a -> {
                float t = (float) a.positiveNumber("outlier threshold", Double.POSITIVE_INFINITY);
                return a.eachLayer(a.params().isEmpty() ? "w8a8" : "w8a8:" + t, w -> quantize(w, t));
            }, "w8a8", List.of("q", "scales", "group", "threshold"), W8A8Linear::fromParts, List.of("w8a8"));
    /** LLM.int8's default outlier threshold. */
    public static final float DEFAULT_THRESHOLD = 6f;

    /** Checks the weight is per row and the threshold positive. */
    public W8A8Linear {
        if (weight.groupSize() != weight.in()) {
            throw new IllegalArgumentException("w8a8 needs per-row int8 weights, got " + weight.format());
        }
        if (!(threshold > 0f)) {
            throw new IllegalArgumentException("w8a8 outlier threshold must be > 0, got " + threshold);
        }
    }

    /** Quantises the weight per row (see {@link Int8Linear#quantize}). */
    public static W8A8Linear quantize(RowWeights w, float threshold) {
        return new W8A8Linear(Int8Linear.quantize(w, w.in()), threshold);
    }

    /** Reads the parts {@link #parts()} wrote for the weight called {@code name}. */
    public static W8A8Linear fromParts(String name, Map<String, NdArray> parts, int out, int in, float[] bias) {
        float t = ((float[]) Parts.require(name, parts, "threshold", DType.FLOAT32, 1))[0];
        return new W8A8Linear(Int8Linear.fromParts(name, parts, out, in, bias), t);
    }

    @Override
    public String format() {
        return threshold == Float.POSITIVE_INFINITY ? FORMAT.name() : FORMAT.name() + ":" + threshold;
    }

    @Override
    public FormatFacts facts() {
        return FORMAT;
    }

    @Override
    public Map<String, NdArray> parts() {
        Map<String, NdArray> m = new LinkedHashMap<>(weight.parts());
        m.put("threshold", NdArray.of(new float[] {threshold}, 1));
        return m;
    }

    @Override
    public LinearLayer slice(int from, int count) {
        return new W8A8Linear(weight.slice(from, count), threshold);
    }

    /**
     * Adds the outlier flags (when a threshold is set; a constant zero array otherwise), the activation
     * quantisation and the integer GEMM.
     */
    @Override
    public void addTo(TaskGraph g, String name, float[] x, float[] y, int rows, boolean withBias, int activation) {
        int in = in();
        boolean outliers = threshold != Float.POSITIVE_INFINITY;
        int[] flags = outliers ? new int[in] : Int8Rows.noOutliers(g, in);
        if (outliers) {
            g.task(name + ".outliers", in, Int8Activations::outlierColumns, x, flags, rows, in, threshold);
        }
        Int8Rows a = Int8Rows.quantize(g, name, x, flags, rows, in);
        int hasBias = withBias ? 1 : 0;
        if (outliers) {
            g.task(name, out(), Int8Activations::gemmWithOutliers, a.q(), a.scales(), x, flags, weight.q(),
                    weight.scales(), bias(), y, rows, out(), in, hasBias, activation);
        } else {
            g.task(name, out(), Int8Activations::gemm, a.q(), a.scales(), weight.q(), weight.scales(), bias(), y, rows,
                    out(), in, hasBias, activation);
        }
    }
}

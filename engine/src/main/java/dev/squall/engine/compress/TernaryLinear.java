package dev.squall.engine.compress;

import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.io.DType;
import dev.squall.engine.io.NdArray;
import dev.squall.engine.layers.LinearLayer;
import dev.squall.tasks.quant.Ternary;

import java.util.List;
import java.util.Map;

/**
 * A linear layer with ternary weights (BitNet b1.58 absmean quantisation), 2 bits per weight as a "+1" and a
 * "−1" bit plane per 32 weights, run by {@link Ternary#gemm}. Definition and layout in
 * {@code dev.squall.tasks.quant}.
 *
 * @param planes  {@code out · ceil(in/32) · 2} words: +1 plane, −1 plane, per word of 32 weights
 * @param scales  {@code out} scales γ (all equal for a per-tensor scale)
 * @param perRow  whether γ was taken per row rather than over the whole tensor
 * @param bias    {@code out} fp32 biases
 * @param in      input features
 * @param out     output features
 */
public record TernaryLinear(int[] planes, float[] scales, boolean perRow, float[] bias, int in, int out)
        implements CompressedLinear {
    /** The format's facts: {@code ternary} (scale per tensor) or {@code ternary:row}. */
    public static final FormatFacts FORMAT = new FormatFacts("ternary", List.of(), "ternary[:row]", "2",
            "BitNet b1.58 absmean ternary, scale per tensor (or per row)", TernaryLinear.class, false,
            a -> {
                boolean perRow = a.perRow();
                return a.eachLayer(name(a.format(), perRow), w -> quantize(w, perRow));
            }, "ternary", List.of("planes", "scales"), TernaryLinear::fromParts, List.of("ternary"));
    /** BitNet's lower clamp of the absmean scale. */
    public static final float MIN_SCALE = 1e-5f;

    /** Checks the packed sizes. */
    public TernaryLinear {
        Parts.checkShape(in, out, bias);
        Parts.checkLength("ternary planes", planes.length, 2L * out * words(in));
        Parts.checkLength("ternary scales", scales.length, out);
    }

    static int words(int in) {
        return (in + Ternary.WORD - 1) / Ternary.WORD;
    }

    /**
     * Quantises with {@code γ = max(mean|w|, 1e-5)} (mean in float64, rounded to fp32) over the tensor or each
     * row, {@code t = clamp(rne(w·(1/γ)), −1, 1)}.
     */
    public static TernaryLinear quantize(RowWeights w, boolean perRow) {
        int words = words(w.in());
        int[] planes = new int[2 * w.out() * words];
        float[] scales = new float[w.out()];
        float tensorScale = perRow ? 0f : absMean(w.w(), 0, w.w().length);
        for (int j = 0; j < w.out(); j++) {
            float gamma = perRow ? absMean(w.w(), j * w.in(), w.in()) : tensorScale;
            float inv = 1f / gamma;
            for (int p = 0; p < w.in(); p++) {
                float t = Math.max(-1f, Math.min(1f, (float) Math.rint(w.w()[j * w.in() + p] * inv)));
                int word = (j * words + p / Ternary.WORD) * 2;
                if (t != 0f) {
                    planes[word + (t > 0 ? 0 : 1)] |= 1 << (p % Ternary.WORD);
                }
            }
            scales[j] = gamma;
        }
        return new TernaryLinear(planes, scales, perRow, w.bias(), w.in(), w.out());
    }

    private static float absMean(float[] w, int from, int count) {
        double sum = 0;
        for (int i = from; i < from + count; i++) {
            sum += Math.abs(w[i]);
        }
        return Math.max((float) (sum / count), MIN_SCALE);
    }

    /** Reads the parts {@link #parts()} wrote for the weight called {@code name}. */
    public static TernaryLinear fromParts(String name, Map<String, NdArray> parts, int out, int in, float[] bias) {
        int[] planes = (int[]) Parts.require(name, parts, "planes", DType.INT32, out, words(in), 2);
        float[] scales = (float[]) Parts.require(name, parts, "scales", DType.FLOAT32, out);
        for (int j = 0; j < planes.length; j += 2) {
            if ((planes[j] & planes[j + 1]) != 0) {
                throw new IllegalArgumentException(name + ".planes: word " + j / 2 + " marks a weight both +1 and −1"
                        + " (corrupt packed data)");
            }
        }
        return new TernaryLinear(planes, scales, perRow(scales), bias, in, out);
    }

    /** Whether stored scales differ between rows: a per-row γ (a per-tensor γ is the same in every row). */
    static boolean perRow(float[] scales) {
        for (float s : scales) {
            if (s != scales[0]) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String format() {
        return name(FORMAT.name(), perRow);
    }

    /** {@code format}'s name with {@code :row} for a scale per row (ternary formats). */
    static String name(String format, boolean perRow) {
        return perRow ? format + ":row" : format;
    }

    @Override
    public FormatFacts facts() {
        return FORMAT;
    }

    @Override
    public float[] dequantize() {
        int words = words(in);
        float[] w = new float[out * in];
        for (int j = 0; j < out; j++) {
            for (int p = 0; p < in; p++) {
                int word = (j * words + p / Ternary.WORD) * 2;
                int bit = 1 << (p % Ternary.WORD);
                int t = ((planes[word] & bit) != 0 ? 1 : 0) - ((planes[word + 1] & bit) != 0 ? 1 : 0);
                w[j * in + p] = scales[j] * t;
            }
        }
        return w;
    }

    @Override
    public long weightBytes() {
        return 4L * planes.length + 4L * scales.length;
    }

    @Override
    public Map<String, NdArray> parts() {
        return Parts.named(FORMAT, NdArray.of(planes, out, words(in), 2), NdArray.of(scales, out));
    }

    @Override
    public List<Object> weightArrays() {
        return List.of(planes, scales, bias);
    }

    @Override
    public LinearLayer slice(int from, int count) {
        Parts.checkSlice(from, count, out);
        return new TernaryLinear(Parts.rows(planes, 2 * words(in), from, count), Parts.rows(scales, 1, from, count),
                perRow, Parts.rows(bias, 1, from, count), in, count);
    }

    @Override
    public void addTo(TaskGraph g, String name, float[] x, float[] y, int rows, boolean withBias, int activation) {
        g.task(name, out, Ternary::gemm, x, planes, scales, bias, y, rows, out, in, withBias ? 1 : 0, activation);
    }
}

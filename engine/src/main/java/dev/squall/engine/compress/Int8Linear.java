package dev.squall.engine.compress;

import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.io.DType;
import dev.squall.engine.io.NdArray;
import dev.squall.tasks.precision.Rounding;
import dev.squall.tasks.quant.Int8Weights;

import java.util.List;
import java.util.Map;

/**
 * A linear layer with symmetric int8 weights and an fp32 scale per group of {@code groupSize} consecutive
 * weights of a row (per row when {@code groupSize = in}), run by {@link Int8Weights#gemm}. Definition in
 * {@code dev.squall.tasks.quant}.
 *
 * @param q         {@code out · in} quants
 * @param scales    {@code out · ceil(in/groupSize)} fp32 scales
 * @param groupSize weights per scale, {@code 1 <= groupSize <= in}
 * @param bias      {@code out} fp32 biases
 * @param in        input features
 * @param out       output features
 */
public record Int8Linear(byte[] q, float[] scales, int groupSize, float[] bias, int in, int out)
        implements CompressedLinear {
    /** Group size of {@code int8g} without {@code :G}. */
    public static final int DEFAULT_GROUP = 128;
    /** The format's facts: {@code int8} (scale per row) and {@code int8g[:G]} (per group of G). */
    public static final FormatFacts FORMAT = new FormatFacts("int8", List.of("int8g"), "int8|int8g[:G]", "8 (+scales)",
            "symmetric int8, fp32 scale per row, or per group of G (default 128)",
            Int8Linear.class, false, Int8Linear::pack, "int8", List.of("q", "scales", "group"),
            Int8Linear::fromParts, List.of("int8", "int8g:128"));

    /** Checks the group size and packed sizes. */
    public Int8Linear {
        Parts.checkShape(in, out, bias);
        if (groupSize < 1 || groupSize > in) {
            throw new IllegalArgumentException("int8 group size must be in [1, in=" + in + "], got " + groupSize);
        }
        Parts.checkLength("int8 quants", q.length, (long) out * in);
        Parts.checkLength("int8 scales", scales.length, (long) out * groups(in, groupSize));
    }

    private static int groups(int in, int groupSize) {
        return (in + groupSize - 1) / groupSize;
    }

    /**
     * Quantises each group: {@code s = max|w|/127}, {@code q = roundf(w·(1/s))}; a group size above {@code in}
     * is clamped to {@code in} (one group per row).
     */
    public static Int8Linear quantize(RowWeights w, int groupSize) {
        if (groupSize < 1) {
            throw new IllegalArgumentException("int8 group size must be >= 1, got " + groupSize);
        }
        int g = Math.min(groupSize, w.in());
        int groups = groups(w.in(), g);
        byte[] q = new byte[w.out() * w.in()];
        float[] scales = new float[w.out() * groups];
        for (int j = 0; j < w.out(); j++) {
            for (int k = 0; k < groups; k++) {
                int from = j * w.in() + k * g;
                int to = j * w.in() + Math.min((k + 1) * g, w.in());
                float amax = 0f;
                for (int p = from; p < to; p++) {
                    amax = Math.max(amax, Math.abs(w.w()[p]));
                }
                float s = amax / 127;
                float id = s != 0f ? 1f / s : 0f;
                for (int p = from; p < to; p++) {
                    q[p] = (byte) Rounding.halfAway(w.w()[p] * id);
                }
                scales[j * groups + k] = s;
            }
        }
        return new Int8Linear(q, scales, g, w.bias(), w.in(), w.out());
    }

    /** The format {@code int8} (per row) or {@code int8g[:G]} names. */
    static WeightFormat pack(FormatArgs a) {
        if (a.called().equals("int8")) {
            return a.noParameter(w -> quantize(w, w.in()));
        }
        int g = a.positiveInt("group size", DEFAULT_GROUP);
        return a.eachLayer("int8g:" + g, w -> quantize(w, g));
    }

    /** Reads the parts {@link #parts()} wrote for the weight called {@code name}. */
    public static Int8Linear fromParts(String name, Map<String, NdArray> parts, int out, int in, float[] bias) {
        int g = Parts.intParameter(name, parts, "group");
        if (g < 1 || g > in) {
            throw new IllegalArgumentException(name + ".group must be in [1, " + in + "], got " + g);
        }
        return new Int8Linear((byte[]) Parts.require(name, parts, "q", DType.INT8, out, in),
                (float[]) Parts.require(name, parts, "scales", DType.FLOAT32, out, groups(in, g)), g, bias, in, out);
    }

    @Override
    public String format() {
        return groupSize == in ? FORMAT.name() : "int8g:" + groupSize;
    }

    @Override
    public FormatFacts facts() {
        return FORMAT;
    }

    @Override
    public float[] dequantize() {
        int groups = groups(in, groupSize);
        float[] w = new float[out * in];
        for (int i = 0; i < w.length; i++) {
            w[i] = scales[(i / in) * groups + (i % in) / groupSize] * q[i];
        }
        return w;
    }

    @Override
    public long weightBytes() {
        return q.length + 4L * scales.length;
    }

    @Override
    public Map<String, NdArray> parts() {
        return Parts.named(FORMAT, NdArray.of(q, out, in),
                NdArray.of(scales, out, groups(in, groupSize)),
                NdArray.of(new int[] {groupSize}, 1));
    }

    @Override
    public List<Object> weightArrays() {
        return List.of(q, scales, bias);
    }

    @Override
    public Int8Linear slice(int from, int count) {
        Parts.checkSlice(from, count, out);
        return new Int8Linear(Parts.rows(q, in, from, count), Parts.rows(scales, groups(in, groupSize), from, count),
                groupSize, Parts.rows(bias, 1, from, count), in, count);
    }

    @Override
    public void addTo(TaskGraph g, String name, float[] x, float[] y, int rows, boolean withBias, int activation) {
        g.task(name, out, Int8Weights::gemm, x, q, scales, bias, y, rows, out, in, groupSize, withBias ? 1 : 0,
                activation);
    }
}

package dev.squall.engine.compress;

import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.io.DType;
import dev.squall.engine.io.NdArray;
import dev.squall.engine.layers.LinearLayer;
import dev.squall.tasks.quant.TernaryA8;

import java.util.List;
import java.util.Map;

/**
 * BitNet b1.58 as published (W1.58A8): the ternary weight of {@link TernaryLinear} (same absmean quantisation)
 * stored as 2-bit codes in {@link TernaryA8}'s 128-weight groups, times activations quantised to int8 per row
 * at run time, summed in integers. The activation rounding adds an error the fp32-activation {@code ternary}
 * format does not have (bounded by {@code Σ_p |ŵ_jp|·s_x/2}); in exchange the products run in 16-bit lanes.
 *
 * @param codes  {@code out · ceil(in/128) · 8} words (see {@link TernaryA8})
 * @param scales {@code out} scales γ
 * @param perRow whether γ was taken per row rather than over the whole tensor
 * @param bias   {@code out} fp32 biases
 * @param in     input features
 * @param out    output features
 */
public record TernaryA8Linear(int[] codes, float[] scales, boolean perRow, float[] bias, int in, int out)
        implements CompressedLinear {
    /** The format's facts: {@code ternary-a8} (weight scale per tensor) or {@code ternary-a8:row}. */
    public static final FormatFacts FORMAT = new FormatFacts("ternary-a8", List.of(), "ternary-a8[:row]", "2",
            "ternary weights × int8 activations per row (W1.58A8, as published)",
            TernaryA8Linear.class, true, a -> {
                boolean perRow = a.perRow();
                return a.eachLayer(TernaryLinear.name(a.format(), perRow), w -> quantize(w, perRow));
            }, "ternary-a8", List.of("codes", "scales"), TernaryA8Linear::fromParts, List.of("ternary-a8"));

    /** Checks the packed sizes. */
    public TernaryA8Linear {
        Parts.checkShape(in, out, bias);
        Parts.checkLength("ternary-a8 codes", codes.length, (long) TernaryA8.GROUP_WORDS * out * groups(in));
        Parts.checkLength("ternary-a8 scales", scales.length, out);
    }

    static int groups(int in) {
        return (in + TernaryA8.GROUP - 1) / TernaryA8.GROUP;
    }

    /** The ternary quantisation of {@link TernaryLinear#quantize}, repacked as codes. */
    public static TernaryA8Linear quantize(RowWeights w, boolean perRow) {
        TernaryLinear t = TernaryLinear.quantize(w, perRow);
        float[] values = t.dequantize();
        int groups = groups(w.in());
        int[] codes = new int[TernaryA8.GROUP_WORDS * w.out() * groups];
        for (int j = 0; j < w.out(); j++) {
            for (int p = 0; p < groups * TernaryA8.GROUP; p++) {
                int code = p < w.in() ? (int) Math.signum(values[j * w.in() + p]) + 1 : 1;
                int lane = p % 16;
                codes[(j * groups + p / TernaryA8.GROUP) * TernaryA8.GROUP_WORDS + lane / 2] |=
                        code << (16 * (lane % 2) + 2 * (p % TernaryA8.GROUP / 16));
            }
        }
        return new TernaryA8Linear(codes, t.scales(), perRow, w.bias(), w.in(), w.out());
    }

    /** Reads the parts {@link #parts()} wrote for the weight called {@code name}; a code 3 is corrupt data. */
    public static TernaryA8Linear fromParts(String name, Map<String, NdArray> parts, int out, int in, float[] bias) {
        int[] codes = (int[]) Parts.require(name, parts, "codes", DType.INT32, out, groups(in), TernaryA8.GROUP_WORDS);
        float[] scales = (float[]) Parts.require(name, parts, "scales", DType.FLOAT32, out);
        for (int i = 0; i < codes.length; i++) {
            int c = codes[i];
            if ((c & (c >>> 1) & 0x55555555) != 0) {
                throw new IllegalArgumentException(name + ".codes: word " + i + " holds the unused code 3 (corrupt "
                        + "packed data)");
            }
        }
        return new TernaryA8Linear(codes, scales, TernaryLinear.perRow(scales), bias, in, out);
    }

    @Override
    public String format() {
        return TernaryLinear.name(FORMAT.name(), perRow);
    }

    @Override
    public FormatFacts facts() {
        return FORMAT;
    }

    /** The ternary weight {@code γ_j·t}; the activation quantisation happens at run time and is not part of it. */
    @Override
    public float[] dequantize() {
        int groups = groups(in);
        float[] w = new float[out * in];
        for (int j = 0; j < out; j++) {
            for (int p = 0; p < in; p++) {
                int t = TernaryA8.code(codes, j * groups + p / TernaryA8.GROUP, p % TernaryA8.GROUP) - 1;
                w[j * in + p] = scales[j] * t;
            }
        }
        return w;
    }

    @Override
    public long weightBytes() {
        return 4L * codes.length + 4L * scales.length;
    }

    @Override
    public Map<String, NdArray> parts() {
        return Parts.named(FORMAT, NdArray.of(codes, out, groups(in), TernaryA8.GROUP_WORDS), NdArray.of(scales, out));
    }

    @Override
    public List<Object> weightArrays() {
        return List.of(codes, scales, bias);
    }

    @Override
    public LinearLayer slice(int from, int count) {
        Parts.checkSlice(from, count, out);
        return new TernaryA8Linear(Parts.rows(codes, TernaryA8.GROUP_WORDS * groups(in), from, count),
                Parts.rows(scales, 1, from, count), perRow, Parts.rows(bias, 1, from, count), in, count);
    }

    /** Adds the activation quantisation (no outlier columns: constant zero flags) and the integer GEMM. */
    @Override
    public void addTo(TaskGraph g, String name, float[] x, float[] y, int rows, boolean withBias, int activation) {
        Int8Rows a = Int8Rows.quantize(g, name, x, Int8Rows.noOutliers(g, in), rows, in);
        g.task(name, out, TernaryA8::gemm, a.q(), a.scales(), codes, scales, bias, y, rows, out, in, withBias ? 1 : 0,
                activation);
    }
}

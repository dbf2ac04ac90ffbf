package dev.squall.engine.compress;

import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.io.DType;
import dev.squall.engine.io.NdArray;
import dev.squall.engine.layers.LinearLayer;
import dev.squall.tasks.quant.Binary;

import java.util.List;
import java.util.Map;

/**
 * A linear layer with binary weights, {@code ŵ = ±α} per row, 1 bit per weight, run by {@link Binary#gemm}.
 * Definition and layout in {@code dev.squall.tasks.quant}.
 *
 * @param bits   {@code out · ceil(in/32)} words, bit set for {@code +α}
 * @param scales {@code out} scales α
 * @param bias   {@code out} fp32 biases
 * @param in     input features
 * @param out    output features
 */
public record BinaryLinear(int[] bits, float[] scales, float[] bias, int in, int out) implements CompressedLinear {
    /** The format's facts. */
    public static final FormatFacts FORMAT = new FormatFacts("binary", List.of(), "binary", "1",
            "sign bit × mean-abs scale per row", BinaryLinear.class, false, a -> a.noParameter(BinaryLinear::quantize),
            "binary", List.of("bits", "scales"), BinaryLinear::fromParts, List.of("binary"));

    /** Checks the packed sizes. */
    public BinaryLinear {
        Parts.checkShape(in, out, bias);
        Parts.checkLength("binary bits", bits.length, (long) out * TernaryLinear.words(in));
        Parts.checkLength("binary scales", scales.length, out);
    }

    /** {@code α = mean|w|} of each row (float64 sum, rounded to fp32); the bit is set where {@code w >= 0}. */
    public static BinaryLinear quantize(RowWeights w) {
        int words = TernaryLinear.words(w.in());
        int[] bits = new int[w.out() * words];
        float[] scales = new float[w.out()];
        for (int j = 0; j < w.out(); j++) {
            double sum = 0;
            for (int p = 0; p < w.in(); p++) {
                float v = w.w()[j * w.in() + p];
                sum += Math.abs(v);
                if (v >= 0f) {
                    bits[j * words + p / Binary.WORD] |= 1 << (p % Binary.WORD);
                }
            }
            scales[j] = (float) (sum / w.in());
        }
        return new BinaryLinear(bits, scales, w.bias(), w.in(), w.out());
    }

    /** Reads the parts {@link #parts()} wrote for the weight called {@code name}. */
    public static BinaryLinear fromParts(String name, Map<String, NdArray> parts, int out, int in, float[] bias) {
        return new BinaryLinear((int[]) Parts.require(name, parts, "bits", DType.INT32, out, TernaryLinear.words(in)),
                (float[]) Parts.require(name, parts, "scales", DType.FLOAT32, out), bias, in, out);
    }

    @Override
    public FormatFacts facts() {
        return FORMAT;
    }

    @Override
    public float[] dequantize() {
        int words = TernaryLinear.words(in);
        float[] w = new float[out * in];
        for (int j = 0; j < out; j++) {
            for (int p = 0; p < in; p++) {
                boolean plus = (bits[j * words + p / Binary.WORD] & (1 << (p % Binary.WORD))) != 0;
                w[j * in + p] = plus ? scales[j] : -scales[j];
            }
        }
        return w;
    }

    @Override
    public long weightBytes() {
        return 4L * bits.length + 4L * scales.length;
    }

    @Override
    public Map<String, NdArray> parts() {
        return Parts.named(FORMAT, NdArray.of(bits, out, TernaryLinear.words(in)), NdArray.of(scales, out));
    }

    @Override
    public List<Object> weightArrays() {
        return List.of(bits, scales, bias);
    }

    @Override
    public LinearLayer slice(int from, int count) {
        Parts.checkSlice(from, count, out);
        return new BinaryLinear(Parts.rows(bits, TernaryLinear.words(in), from, count),
                Parts.rows(scales, 1, from, count), Parts.rows(bias, 1, from, count), in, count);
    }

    @Override
    public void addTo(TaskGraph g, String name, float[] x, float[] y, int rows, boolean withBias, int activation) {
        g.task(name, out, Binary::gemm, x, bits, scales, bias, y, rows, out, in, withBias ? 1 : 0, activation);
    }
}

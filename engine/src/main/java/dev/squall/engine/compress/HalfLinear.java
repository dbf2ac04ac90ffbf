package dev.squall.engine.compress;

import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.io.DType;
import dev.squall.engine.io.NdArray;
import dev.squall.engine.layers.LinearLayer;
import dev.squall.tasks.precision.DenseGemm;

import java.util.List;
import java.util.Map;

/**
 * A linear layer with its weight stored in 16 bits, fp16 or bf16 ({@code short[]} bits, {@code [out, in]}),
 * accumulated in fp32 by {@link DenseGemm#gemmF16} or {@link DenseGemm#gemmBf16}.
 *
 * @param precision fp16 or bf16
 * @param w         {@code out · in} weight bits
 * @param bias      {@code out} fp32 biases
 * @param in        input features
 * @param out       output features
 */
public record HalfLinear(Precision precision, short[] w, float[] bias, int in, int out) implements CompressedLinear {

    /** The 16-bit float formats. */
    public enum Precision {
        /** IEEE binary16: 11 significant bits, range ±65504. */
        FP16("fp16"),
        /** bfloat16: 8 significant bits, the range of fp32. */
        BF16("bf16");

        private final String label;

        Precision(String label) {
            this.label = label;
        }

        /** Format name. */
        public String label() {
            return label;
        }

        /** The 16-bit value nearest to {@code v}, ties to even. */
        public short encode(float v) {
            return this == FP16 ? Float.floatToFloat16(v) : bf16(v);
        }

        /** The float value of 16-bit bits {@code b} (exact). */
        public float decode(short b) {
            return this == FP16 ? Float.float16ToFloat(b) : Float.intBitsToFloat((b & 0xffff) << 16);
        }

        private static short bf16(float v) {
            int bits = Float.floatToRawIntBits(v);
            return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
        }
    }

    /** The facts of fp16, stored as NumPy's float16 {@code W}. */
    public static final FormatFacts FP16_FORMAT = new FormatFacts("fp16", List.of(), "fp16", "16",
            "IEEE half-precision storage, fp32 accumulation", HalfLinear.class, false,
            a -> a.noParameter(w -> quantize(w, Precision.FP16)), "", List.of("w"), null, List.of("fp16"));
    /** The facts of bf16, whose bits are stored as int16 (NumPy has no bfloat16). */
    public static final FormatFacts BF16_FORMAT = new FormatFacts("bf16", List.of(), "bf16", "16",
            "bfloat16 storage, fp32 accumulation", HalfLinear.class, false,
            a -> a.noParameter(w -> quantize(w, Precision.BF16)), "bf16", List.of("w"),
            (name, parts, out, in, bias) -> fromParts(name, parts, out, in, bias, Precision.BF16), List.of("bf16"));

    /** Checks the packed size. */
    public HalfLinear {
        Parts.checkShape(in, out, bias);
        Parts.checkLength(precision.label() + " weight", w.length, (long) out * in);
    }

    /**
     * Rounds every weight to the nearest 16-bit value (ties to even). A weight beyond fp16's range (
     * {@code |w| >= 65520}, which would become ∞) is an error.
     */
    public static HalfLinear quantize(RowWeights rw, Precision precision) {
        short[] w = new short[rw.w().length];
        for (int i = 0; i < w.length; i++) {
            w[i] = precision.encode(rw.w()[i]);
            if (Float.isInfinite(precision.decode(w[i]))) {
                throw new IllegalArgumentException("weight [" + i / rw.in() + ", " + i % rw.in() + "] = " + rw.w()[i]
                        + " overflows " + precision.label());
            }
        }
        return new HalfLinear(precision, w, rw.bias(), rw.in(), rw.out());
    }

    /** Reads the bits {@link #parts()} wrote for the weight called {@code name}. */
    public static HalfLinear fromParts(String name, Map<String, NdArray> parts, int out, int in, float[] bias,
                                       Precision precision) {
        DType type = precision == Precision.FP16 ? DType.FLOAT16 : DType.INT16;
        return new HalfLinear(precision, (short[]) Parts.require(name, parts, "w", type, out, in), bias, in, out);
    }

    @Override
    public String format() {
        return precision.label();
    }

    @Override
    public FormatFacts facts() {
        return precision == Precision.FP16 ? FP16_FORMAT : BF16_FORMAT;
    }

    @Override
    public float[] dequantize() {
        float[] f = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            f[i] = precision.decode(w[i]);
        }
        return f;
    }

    @Override
    public long weightBytes() {
        return 2L * w.length;
    }

    /** fp16 bits as NumPy's float16; bf16 bits, which NumPy has no type for, as int16. */
    @Override
    public Map<String, NdArray> parts() {
        return Map.of("w", precision == Precision.FP16 ? NdArray.ofHalf(w, out, in) : NdArray.ofInt16(w, out, in));
    }

    @Override
    public List<Object> weightArrays() {
        return List.of(w, bias);
    }

    @Override
    public LinearLayer slice(int from, int count) {
        Parts.checkSlice(from, count, out);
        return new HalfLinear(precision, Parts.rows(w, in, from, count), Parts.rows(bias, 1, from, count), in, count);
    }

    @Override
    public void addTo(TaskGraph g, String name, float[] x, float[] y, int rows, boolean withBias, int activation) {
        if (precision == Precision.FP16) {
            g.task(name, out, DenseGemm::gemmF16, x, w, bias, y, rows, out, in, withBias ? 1 : 0, activation);
        } else {
            g.task(name, out, DenseGemm::gemmBf16, x, w, bias, y, rows, out, in, withBias ? 1 : 0, activation);
        }
    }
}

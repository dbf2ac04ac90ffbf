package dev.squall.engine.compress;

import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.io.DType;
import dev.squall.engine.io.NdArray;
import dev.squall.engine.layers.LinearLayer;
import dev.squall.tasks.quant.BlockQ8;

import java.util.List;
import java.util.Map;

/**
 * A linear layer with Q8_0 weights (ggml's {@code block_q8_0}, split into a quant array and an fp16 scale
 * array; definition and layout in {@code dev.squall.tasks.quant}), run by {@link BlockQ8#gemm}. Rows whose
 * length is not a multiple of 32 are padded with zeros to whole blocks.
 *
 * @param qs   {@code out · ceil(in/32) · 32} quants
 * @param d    {@code out · ceil(in/32)} fp16 block scales (bits)
 * @param bias {@code out} fp32 biases
 * @param in   input features
 * @param out  output features
 */
public record Q8Linear(byte[] qs, short[] d, float[] bias, int in, int out) implements CompressedLinear {
    /** The format's facts. */
    public static final FormatFacts FORMAT = new FormatFacts("q8_0", List.of(), "q8_0", "8.5",
            "ggml block format: 32 int8 weights + an fp16 scale per block", Q8Linear.class, false,
            a -> a.noParameter(Q8Linear::quantize), "q8_0", List.of("qs", "d"), Q8Linear::fromParts,
            List.of("q8_0"));

    /** Checks the packed sizes. */
    public Q8Linear {
        Parts.checkShape(in, out, bias);
        Parts.checkLength("Q8_0 quants", qs.length, (long) out * blocks(in) * BlockQ8.BLOCK);
        Parts.checkLength("Q8_0 scales", d.length, (long) out * blocks(in));
    }

    /** Blocks per row of {@code in} weights. */
    static int blocks(int in) {
        return (in + BlockQ8.BLOCK - 1) / BlockQ8.BLOCK;
    }

    /** Quantises as ggml's {@code quantize_row_q8_0_ref} does, block by block ({@link BlockQ8#quantizeRows}). */
    public static Q8Linear quantize(RowWeights w) {
        int blocks = blocks(w.in());
        byte[] qs = new byte[w.out() * blocks * BlockQ8.BLOCK];
        short[] d = new short[w.out() * blocks];
        BlockQ8.quantizeRows(w.w(), qs, d, w.in(), 0, w.out());
        return new Q8Linear(qs, d, w.bias(), w.in(), w.out());
    }

    /** Reads the parts {@link #parts()} wrote for the weight called {@code name}. */
    public static Q8Linear fromParts(String name, Map<String, NdArray> parts, int out, int in, float[] bias) {
        int blocks = blocks(in);
        return new Q8Linear((byte[]) Parts.require(name, parts, "qs", DType.INT8, out, blocks * BlockQ8.BLOCK),
                (short[]) Parts.require(name, parts, "d", DType.FLOAT16, out, blocks), bias, in, out);
    }

    @Override
    public FormatFacts facts() {
        return FORMAT;
    }

    @Override
    public float[] dequantize() {
        int blocks = blocks(in);
        float[] w = new float[out * in];
        for (int j = 0; j < out; j++) {
            for (int p = 0; p < in; p++) {
                int block = j * blocks + p / BlockQ8.BLOCK;
                w[j * in + p] = Float.float16ToFloat(d[block]) * qs[block * BlockQ8.BLOCK + p % BlockQ8.BLOCK];
            }
        }
        return w;
    }

    @Override
    public long weightBytes() {
        return qs.length + 2L * d.length;
    }

    @Override
    public Map<String, NdArray> parts() {
        return Parts.named(FORMAT, NdArray.of(qs, out, blocks(in) * BlockQ8.BLOCK), NdArray.ofHalf(d, out, blocks(in)));
    }

    @Override
    public List<Object> weightArrays() {
        return List.of(qs, d, bias);
    }

    @Override
    public LinearLayer slice(int from, int count) {
        Parts.checkSlice(from, count, out);
        int blocks = blocks(in);
        return new Q8Linear(Parts.rows(qs, blocks * BlockQ8.BLOCK, from, count), Parts.rows(d, blocks, from, count),
                Parts.rows(bias, 1, from, count), in, count);
    }

    @Override
    public void addTo(TaskGraph g, String name, float[] x, float[] y, int rows, boolean withBias, int activation) {
        g.task(name, out, BlockQ8::gemm, x, qs, d, bias, y, rows, out, in, withBias ? 1 : 0, activation);
    }
}

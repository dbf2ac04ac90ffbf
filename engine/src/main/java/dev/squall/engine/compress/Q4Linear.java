package dev.squall.engine.compress;

import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.io.DType;
import dev.squall.engine.io.NdArray;
import dev.squall.engine.layers.LinearLayer;
import dev.squall.tasks.quant.BlockQ4;

import java.util.List;
import java.util.Map;

/**
 * A linear layer with Q4_0 weights (ggml's {@code block_q4_0}: nibbles with offset 8, byte {@code t} holding
 * weights {@code t} (low) and {@code t + 16} (high) of its block, and an fp16 scale per block; see
 * {@code dev.squall.tasks.quant}), run by {@link BlockQ4#gemm}. Rows are padded with zeros to whole blocks.
 *
 * @param qs   {@code out · ceil(in/32) · 16} bytes of nibbles
 * @param d    {@code out · ceil(in/32)} fp16 block scales (bits)
 * @param bias {@code out} fp32 biases
 * @param in   input features
 * @param out  output features
 */
public record Q4Linear(byte[] qs, short[] d, float[] bias, int in, int out) implements CompressedLinear {
    /** The format's facts. */
    public static final FormatFacts FORMAT = new FormatFacts("q4_0", List.of(), "q4_0", "4.5",
            "ggml block format: 32 4-bit weights + an fp16 scale per block", Q4Linear.class, false,
            a -> a.noParameter(Q4Linear::quantize), "q4_0", List.of("qs", "d"), Q4Linear::fromParts,
            List.of("q4_0"));

    /** Checks the packed sizes. */
    public Q4Linear {
        Parts.checkShape(in, out, bias);
        Parts.checkLength("Q4_0 nibbles", qs.length, (long) out * Q8Linear.blocks(in) * BlockQ4.BLOCK_BYTES);
        Parts.checkLength("Q4_0 scales", d.length, (long) out * Q8Linear.blocks(in));
    }

    /**
     * Quantises as ggml's {@code quantize_row_q4_0_ref} does: the block's weight of largest magnitude sets
     * {@code d = max/−8}; {@code nibble = min(15, trunc(w·(1/d) + 8.5))}.
     */
    public static Q4Linear quantize(RowWeights w) {
        int blocks = Q8Linear.blocks(w.in());
        byte[] qs = new byte[w.out() * blocks * BlockQ4.BLOCK_BYTES];
        short[] d = new short[w.out() * blocks];
        float[] block = new float[BlockQ4.BLOCK];
        for (int j = 0; j < w.out(); j++) {
            for (int b = 0; b < blocks; b++) {
                int from = j * w.in() + b * BlockQ4.BLOCK;
                int len = Math.min(BlockQ4.BLOCK, w.in() - b * BlockQ4.BLOCK);
                java.util.Arrays.fill(block, 0f);
                System.arraycopy(w.w(), from, block, 0, len);
                float amax = 0f;
                float max = 0f;
                for (float v : block) {
                    if (amax < Math.abs(v)) {
                        amax = Math.abs(v);
                        max = v;
                    }
                }
                float scale = max / -8;
                float id = scale != 0f ? 1f / scale : 0f;
                int index = j * blocks + b;
                d[index] = Float.floatToFloat16(scale);
                for (int t = 0; t < BlockQ4.BLOCK_BYTES; t++) {
                    int lo = Math.min(15, (int) (block[t] * id + 8.5f));
                    int hi = Math.min(15, (int) (block[t + BlockQ4.BLOCK_BYTES] * id + 8.5f));
                    qs[index * BlockQ4.BLOCK_BYTES + t] = (byte) (lo | hi << 4);
                }
            }
        }
        return new Q4Linear(qs, d, w.bias(), w.in(), w.out());
    }

    /** Reads the parts {@link #parts()} wrote for the weight called {@code name}. */
    public static Q4Linear fromParts(String name, Map<String, NdArray> parts, int out, int in, float[] bias) {
        int blocks = Q8Linear.blocks(in);
        return new Q4Linear((byte[]) Parts.require(name, parts, "qs", DType.INT8, out, blocks * BlockQ4.BLOCK_BYTES),
                (short[]) Parts.require(name, parts, "d", DType.FLOAT16, out, blocks), bias, in, out);
    }

    @Override
    public FormatFacts facts() {
        return FORMAT;
    }

    @Override
    public float[] dequantize() {
        int blocks = Q8Linear.blocks(in);
        float[] w = new float[out * in];
        for (int j = 0; j < out; j++) {
            for (int p = 0; p < in; p++) {
                int block = j * blocks + p / BlockQ4.BLOCK;
                w[j * in + p] = Float.float16ToFloat(d[block]) * BlockQ4.weight(qs, block, p % BlockQ4.BLOCK);
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
        return Parts.named(FORMAT, NdArray.of(qs, out, Q8Linear.blocks(in) * BlockQ4.BLOCK_BYTES),
                NdArray.ofHalf(d, out, Q8Linear.blocks(in)));
    }

    @Override
    public List<Object> weightArrays() {
        return List.of(qs, d, bias);
    }

    @Override
    public LinearLayer slice(int from, int count) {
        Parts.checkSlice(from, count, out);
        int blocks = Q8Linear.blocks(in);
        return new Q4Linear(Parts.rows(qs, blocks * BlockQ4.BLOCK_BYTES, from, count),
                Parts.rows(d, blocks, from, count), Parts.rows(bias, 1, from, count), in, count);
    }

    @Override
    public void addTo(TaskGraph g, String name, float[] x, float[] y, int rows, boolean withBias, int activation) {
        g.task(name, out, BlockQ4::gemm, x, qs, d, bias, y, rows, out, in, withBias ? 1 : 0, activation);
    }
}

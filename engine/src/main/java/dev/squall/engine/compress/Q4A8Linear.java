package dev.squall.engine.compress;

import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.io.NdArray;
import dev.squall.engine.layers.LinearLayer;
import dev.squall.tasks.quant.BlockQ4;
import dev.squall.tasks.quant.BlockQ8;

import java.util.List;
import java.util.Map;

/**
 * Q4_0 weights times activations quantised into Q8_0 blocks when they arrive, as ggml computes Q4_0 on the CPU
 * ({@code ggml_vec_dot_q4_0_q8_0}): integer sums per block of 32, scaled by both fp16 block scales
 * ({@link BlockQ4#gemmQ8}). The weight and its storage are those of {@link Q4Linear}; the activation rounding
 * adds an error bounded by {@code Σ_p |ŵ_jp|·d_x/2} per block.
 *
 * @param weight the Q4_0 weight
 */
public record Q4A8Linear(Q4Linear weight) implements QuantizedActivations {
    /** The format's facts: the weight and its parts are Q4_0's, stored under their own tag. */
    public static final FormatFacts FORMAT = new FormatFacts("q4_0-a8", List.of(), "q4_0-a8", "4.5",
            "Q4_0 weights × activations quantised to Q8_0 blocks (ggml's CPU path)", Q4A8Linear.class,
            true, a -> a.noParameter(Q4A8Linear::quantize), "q4_0-a8", List.of("qs", "d"), Q4A8Linear::fromParts,
            List.of("q4_0-a8"));

    /** Quantises the weight as {@link Q4Linear#quantize}. */
    public static Q4A8Linear quantize(RowWeights w) {
        return new Q4A8Linear(Q4Linear.quantize(w));
    }

    /** Reads the parts {@link #parts()} wrote for the weight called {@code name}. */
    public static Q4A8Linear fromParts(String name, Map<String, NdArray> parts, int out, int in, float[] bias) {
        return new Q4A8Linear(Q4Linear.fromParts(name, parts, out, in, bias));
    }

    @Override
    public FormatFacts facts() {
        return FORMAT;
    }

    @Override
    public LinearLayer slice(int from, int count) {
        return new Q4A8Linear((Q4Linear) weight.slice(from, count));
    }

    /** Adds the activation quantisation into Q8_0 blocks and the integer-sum GEMM. */
    @Override
    public void addTo(TaskGraph g, String name, float[] x, float[] y, int rows, boolean withBias, int activation) {
        int in = in();
        int blocks = (in + BlockQ8.BLOCK - 1) / BlockQ8.BLOCK;
        byte[] xq = new byte[Math.multiplyExact(rows, blocks * BlockQ8.BLOCK)];
        short[] xd = new short[rows * blocks];
        g.task(name + ".quantize", rows, BlockQ8::quantizeRows, x, xq, xd, in);
        g.task(name, out(), BlockQ4::gemmQ8, xq, xd, weight.qs(), weight.d(), bias(), y, rows, out(), in,
                withBias ? 1 : 0, activation);
    }
}

package dev.squall.engine.model;

import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.layers.LinearLayer;
import dev.squall.tasks.activation.Activations;

import java.util.ArrayList;
import java.util.List;

/**
 * One pre-LN block of a GPT decoder as a graph recipe, in nanoGPT's form:
 * {@code x += attn(ln_1(x)); x += mlp(ln_2(x))}, with {@code attn} causal self-attention (one QKV GEMM, the
 * attention step, the output projection) and {@code mlp} {@code c_fc}, exact (or tanh) GELU, {@code c_proj}.
 * The LayerNorms are fused with the residual adds before them ({@link Norms#addLayerNorm}): the block receives
 * {@code ln_1(x)} already computed (by the previous block's last task, or the model's first), and its last task
 * adds the MLP's output to the residual stream and normalises the sum with the next LayerNorm (the next block's
 * {@code ln_1}, or {@code ln_f}). Bias and GELU run in the GEMMs' epilogues.
 *
 * <p>Every intermediate array is returned ({@link Saved}), so a training forward can run the same recipe and
 * keep what its backward needs.
 */
public final class GptBlock {
    /**
     * The attention step: reads the packed QKV projection {@code qkv} ({@code [rows, 3C]}: Q, K, V side by side)
     * and writes {@code out} ({@code [rows, C]}); task names start with {@code name}. {@code positions} holds each
     * row's position, set before every execution (a KV cache reads {@code positions[0]}).
     */
    @FunctionalInterface
    public interface Attention {
        /** Adds the step's tasks for block {@code layer}. */
        void addTo(TaskGraph g, String name, int layer, float[] qkv, float[] out, int[] positions);
    }

    /**
     * Where a forward's arrays come from: {@link #fresh()} gives every block its own (a training forward keeps them
     * all for the backward), {@link #alternating()} lets block {@code i} reuse the arrays of block {@code i − 2},
     * whose values no later task reads (inference: two blocks' worth of activations instead of all of them).
     */
    @FunctionalInterface
    public interface Buffers {
        /** The array of part {@code part} of block {@code layer} ({@code -1}: before the first block). */
        float[] get(int layer, String part, int length);

        /** A new array every time. */
        static Buffers fresh() {
            return (layer, part, length) -> new float[length];
        }

        /** Two sets of arrays, by the parity of the block. */
        static Buffers alternating() {
            java.util.Map<String, float[]> sets = new java.util.HashMap<>();
            return (layer, part, length) -> sets.computeIfAbsent(Math.floorMod(layer, 2) + "/" + part + "/" + length,
                    k -> new float[length]);
        }
    }

    /**
     * The arrays of one forward of the block, {@code [rows, width]} each.
     *
     * @param x        input residual stream (C)
     * @param ln1      {@code ln_1(x)} (C)
     * @param qkv      {@code c_attn} output (3C)
     * @param attn     attention output, heads side by side (C)
     * @param attnProj {@code attn.c_proj} output (C)
     * @param residual {@code x + attnProj} (C)
     * @param ln2      {@code ln_2(residual)} (C)
     * @param hidden   {@code gelu(c_fc(ln2))} (4C)
     * @param mlpOut   {@code mlp.c_proj} output (C)
     * @param out      {@code residual + mlpOut}, the block's output (C)
     * @param nextLn   the next LayerNorm of {@code out} (C)
     */
    public record Saved(float[] x, float[] ln1, float[] qkv, float[] attn, float[] attnProj, float[] residual,
                        float[] ln2, float[] hidden, float[] mlpOut, float[] out, float[] nextLn) {
    }

    private final GptConfig config;
    private final int layer;
    private final GptLayers.Block linears;
    private final GptNorm ln1;
    private final GptNorm ln2;

    /** Block {@code layer} of {@code w}, its linear layers {@code linears}. */
    public GptBlock(GptWeights w, GptLayers.Block linears, int layer) {
        this.config = w.config();
        this.layer = layer;
        this.linears = linears;
        this.ln1 = GptNorm.of(w, GptWeights.block(layer, "ln_1"));
        this.ln2 = GptNorm.of(w, GptWeights.block(layer, "ln_2"));
    }

    /** {@code ln_1}'s weight (LayerNorm's, or RepBN's; {@code null} when folded). */
    public float[] ln1Gamma() {
        return ln1.gamma();
    }

    /** {@code ln_1}'s bias (zeros without biases; {@code null} when folded). */
    public float[] ln1Beta() {
        return ln1.beta();
    }

    /** {@code ln_1} as the inference model evaluates it. */
    public GptNorm ln1() {
        return ln1;
    }

    /** The arrays its tasks read that never change: norms and linear weights, for the graph's transfers. */
    public List<Object> constants() {
        List<Object> all = new ArrayList<>(ln1.constants());
        all.addAll(ln2.constants());
        linears.all().forEach(l -> all.addAll(l.weightArrays()));
        return all;
    }

    /** Task name of this block's part {@code part}, e.g. {@code h3.mlp.c_fc}. */
    public String name(String part) {
        return "h" + layer + "." + part;
    }

    /**
     * Adds the block's tasks for {@code rows} tokens, its arrays from {@code buffers}: from {@code x} and
     * {@code ln1 = ln_1(x)}, writes the block's output {@code out} and {@code nextLn}, {@code out} normalised by
     * {@code (nextGamma, nextBeta)}.
     */
    public Saved addTo(TaskGraph g, int rows, Attention attention, int[] positions, Buffers buffers, float[] x,
                       float[] ln1, float[] nextGamma, float[] nextBeta) {
        return addTo(g, rows, attention, positions, buffers, x, ln1,
                GptNorm.layerNorm(nextGamma, nextBeta, config.eps()));
    }

    /** {@link #addTo(TaskGraph, int, Attention, int[], Buffers, float[], float[], float[], float[])} with any next norm. */
    public Saved addTo(TaskGraph g, int rows, Attention attention, int[] positions, Buffers buffers, float[] x,
                       float[] ln1, GptNorm next) {
        int c = config.nEmbd();
        int size = Math.multiplyExact(rows, c);
        float[] qkv = linear(g, buffers, "attn.c_attn", linears.cAttn(), ln1, rows, Activations.IDENTITY);
        float[] attn = buffers.get(layer, "attn", size);
        attention.addTo(g, name("attn"), layer, qkv, attn, positions);
        float[] attnProj = linear(g, buffers, "attn.c_proj", linears.attnProj(), attn, rows, Activations.IDENTITY);
        float[] residual = buffers.get(layer, "residual", size);
        float[] ln2 = this.ln2.addAfterResidual(g, name("ln_2"), rows, c, x, attnProj, residual,
                buffers.get(layer, "ln_2", size));
        float[] hidden = linear(g, buffers, "mlp.c_fc", linears.cFc(), ln2, rows, config.activation());
        float[] mlpOut = linear(g, buffers, "mlp.c_proj", linears.mlpProj(), hidden, rows, Activations.IDENTITY);
        float[] out = buffers.get(layer, "out", size);
        float[] nextLn = next.addAfterResidual(g, name("residual+ln"), rows, c, residual, mlpOut, out,
                buffers.get(layer, "next_ln", size));
        return new Saved(x, ln1, qkv, attn, attnProj, residual, ln2, hidden, mlpOut, out, nextLn);
    }

    private float[] linear(TaskGraph g, Buffers buffers, String part, LinearLayer linear, float[] in, int rows,
                           int activation) {
        float[] y = buffers.get(layer, part, Math.multiplyExact(rows, linear.out()));
        linear.addTo(g, name(part), in, y, rows, true, activation);
        return y;
    }
}

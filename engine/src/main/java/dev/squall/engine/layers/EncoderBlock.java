package dev.squall.engine.layers;

import dev.squall.engine.graph.Backend;
import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.ExecutionPlan;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.tasks.activation.Activations;
import dev.squall.tasks.elementwise.Elementwise;
import dev.squall.tasks.norm.Norms;

import java.util.ArrayList;
import java.util.List;

/**
 * A transformer encoder block (multi-head self-attention then feed-forward, each with a residual
 * connection and LayerNorm, pre-LN or post-LN), built as a task graph in one of two variants that compute
 * the same function:
 * <ul>
 *   <li>{@link Variant#UNFUSED}: one kernel per operation: separate Q, K, V projections, bias adds,
 *       activation and residual adds as their own tasks, and attention with the score matrix
 *       materialised;</li>
 *   <li>{@link Variant#FUSED}: one QKV GEMM, bias and activation in GEMM epilogues, FlashAttention-style
 *       attention without an {@code n × n} buffer, and residual add fused with LayerNorm.</li>
 * </ul>
 * Inputs are the tokens of a batch of sequences packed one after another, {@code [tokens, d]} row-major
 * (see {@link Sequences}): sequences of equal length, or of mixed lengths with the padding removed.
 * {@link PaddedBlock} runs it on padded batches.
 */
public final class EncoderBlock {
    /** How the block's operations map to kernels. */
    public enum Variant { UNFUSED, FUSED }

    private final BlockConfig config;
    private final LinearLayer inProj;
    private final LinearLayer outProj;
    private final LinearLayer ffn1;
    private final LinearLayer ffn2;
    private final BlockWeights weights;

    /** A block running fp32 weights. */
    public EncoderBlock(BlockConfig config, BlockWeights weights) {
        this(config, weights, weights.inProj(), weights.outProj(), weights.ffn1(), weights.ffn2());
    }

    /**
     * A block whose linear layers run as given (e.g. quantised) while the norms come from {@code weights}.
     * Each layer must have the shape of the corresponding fp32 one.
     */
    public EncoderBlock(BlockConfig config, BlockWeights weights, LinearLayer inProj, LinearLayer outProj,
                        LinearLayer ffn1, LinearLayer ffn2) {
        if (config.dModel() != weights.dModel() || config.ffDim() != weights.ffDim()) {
            throw new IllegalArgumentException("config (d_model=" + config.dModel() + ", ff=" + config.ffDim()
                    + ") does not match the weights (d_model=" + weights.dModel() + ", ff=" + weights.ffDim() + ")");
        }
        checkShape("in_proj", inProj, weights.inProj());
        checkShape("out_proj", outProj, weights.outProj());
        checkShape("linear1", ffn1, weights.ffn1());
        checkShape("linear2", ffn2, weights.ffn2());
        this.config = config;
        this.weights = weights;
        this.inProj = inProj;
        this.outProj = outProj;
        this.ffn1 = ffn1;
        this.ffn2 = ffn2;
    }

    /** A block running the fp32 weights with the tiled GEMM's tiles set to {@code tiles} (e.g. a backend's preference). */
    public static EncoderBlock of(BlockConfig config, BlockWeights weights, GemmTiles tiles) {
        return new EncoderBlock(config, weights, weights.inProj().withTiles(tiles), weights.outProj().withTiles(tiles),
                weights.ffn1().withTiles(tiles), weights.ffn2().withTiles(tiles));
    }

    /** The block's configuration. */
    public BlockConfig config() {
        return config;
    }

    /** Builds the graph of {@code variant} for {@code batch} sequences of {@code n} tokens. */
    public BlockGraph build(Variant variant, int batch, int n) {
        return build(variant, Sequences.uniform(batch, n));
    }

    /** Builds the graph of {@code variant} for the (possibly variable-length, packed) sequences {@code seqs}. */
    public BlockGraph build(Variant variant, Sequences seqs) {
        return build(variant, seqs, defaultAttention(variant));
    }

    /** The dense attention of {@code variant}: FlashAttention-style when fused, scores materialised when not. */
    public static AttentionOp defaultAttention(Variant variant) {
        return variant == Variant.FUSED ? new FusedAttentionOp() : new UnfusedAttention();
    }

    /** Builds the graph of {@code variant} with the attention step computed by {@code attention}. */
    public BlockGraph build(Variant variant, Sequences seqs, AttentionOp attention) {
        if (seqs.tokens() < 1) {
            throw new IllegalArgumentException("the batch has no tokens");
        }
        TaskGraph g = new TaskGraph("block-" + variant.name().toLowerCase(java.util.Locale.ROOT));
        float[] x = new float[Math.multiplyExact(seqs.tokens(), config.dModel())];
        float[] y = new float[x.length];
        g.transferToDevice(DataTransferMode.EVERY_EXECUTION, x);
        addTo(g, variant, seqs, attention, x, y);
        g.transferToHost(DataTransferMode.EVERY_EXECUTION, y);
        return new BlockGraph(g, x, y);
    }

    /**
     * Adds the tasks of {@code variant} to {@code g}, for graphs that do more than one block: they read
     * {@code x} and write {@code y} ({@code [tokens, d]} each; the caller transfers or produces {@code x}
     * and transfers {@code y} out), and transfer the weights once. Task names are those of {@link #build}.
     */
    public void addTo(TaskGraph g, Variant variant, Sequences seqs, AttentionOp attention, float[] x, float[] y) {
        long size = (long) seqs.tokens() * config.dModel();
        if (seqs.tokens() < 1 || x.length != size || y.length != size) {
            throw new IllegalArgumentException("x and y must be [tokens, d_model] = [" + seqs.tokens() + ", "
                    + config.dModel() + "] with tokens >= 1, got " + x.length + " and " + y.length + " values");
        }
        Recipe recipe = new Recipe(g, seqs);
        if (variant == Variant.FUSED) {
            recipe.fused(x, attention, y);
        } else {
            recipe.unfused(x, attention, y);
        }
    }

    /** Runs the block once on {@code x} ({@code [batch·n, d]}) and returns a new output array. */
    public float[] forward(Backend backend, Variant variant, float[] x, int batch, int n) {
        return forward(backend, variant, x, Sequences.uniform(batch, n));
    }

    /** Runs the block once on the packed tokens {@code x} ({@code [tokens, d]}) of {@code seqs}. */
    public float[] forward(Backend backend, Variant variant, float[] x, Sequences seqs) {
        int d = config.dModel();
        if (x.length != (long) seqs.tokens() * d) {
            throw new IllegalArgumentException("x has " + x.length + " values, expected tokens*d_model = "
                    + seqs.tokens() + "*" + d);
        }
        BlockGraph bg = build(variant, seqs);
        System.arraycopy(x, 0, bg.input(), 0, x.length);
        ExecutionPlan plan = backend.plan(bg.graph());
        plan.execute();
        return bg.output();
    }

    private static void checkShape(String name, LinearLayer layer, Linear reference) {
        if (layer.in() != reference.in() || layer.out() != reference.out()) {
            throw new IllegalArgumentException(name + " must be " + reference.in() + "->" + reference.out() + ", got "
                    + layer.in() + "->" + layer.out());
        }
    }

    /**
     * The two recipes of the block and their steps: each takes its input arrays and returns the array it writes,
     * adding tasks to {@code g}; intermediate buffers are {@code [rows, cols]}.
     */
    private final class Recipe {
        private final TaskGraph g;
        private final Sequences seqs;
        private final int rows;
        private final int d;

        Recipe(TaskGraph g, Sequences seqs) {
            this.g = g;
            this.seqs = seqs;
            this.rows = seqs.tokens();
            this.d = config.dModel();
        }

        /**
         * The fused block on {@code x}, written to {@code y} (returned): residual + LayerNorm in one pass, Q/K/V as
         * one GEMM, bias and activation in GEMM epilogues, {@code attention} on the packed QKV.
         */
        float[] fused(float[] x, AttentionOp attention, float[] y) {
            transferWeights(List.of(inProj, outProj, ffn1, ffn2));
            float[] attnIn = config.normFirst() ? layerNorm("ln1", x, weights.norm1Gamma(), weights.norm1Beta()) : x;
            float[] qkv = buffer(3 * d);
            inProj.addTo(g, "qkv", attnIn, qkv, rows, true, Activations.IDENTITY);
            float[] attn = buffer(d);
            attention.addTo(g, "attention", QkvLayout.packed(qkv, d), attn, seqs, config.heads(),
                    config.headDim(), config.causal());
            float[] proj = buffer(d);
            outProj.addTo(g, "out_proj", attn, proj, rows, true, Activations.IDENTITY);
            float[] sum = buffer(d);
            float[] normed = buffer(d);
            float[] gamma = config.normFirst() ? weights.norm2Gamma() : weights.norm1Gamma();
            float[] beta = config.normFirst() ? weights.norm2Beta() : weights.norm1Beta();
            g.task("residual1+norm", rows, Norms::addLayerNorm, x, proj, gamma, beta, sum, normed, d, config.eps());
            float[] residual = config.normFirst() ? sum : normed;
            float[] hidden = buffer(config.ffDim());
            ffn1.addTo(g, "linear1+act", normed, hidden, rows, true, config.activation().kernelCode());
            float[] ffn = buffer(d);
            ffn2.addTo(g, "linear2", hidden, ffn, rows, true, Activations.IDENTITY);
            if (config.normFirst()) {
                return add("residual2", residual, ffn, y);
            }
            g.task("residual2+norm2", rows, Norms::addLayerNorm, residual, ffn, weights.norm2Gamma(),
                    weights.norm2Beta(), buffer(d), y, d, config.eps());
            return y;
        }

        /**
         * The unfused block on {@code x}, written to {@code y} (returned): one kernel per operation, separate Q, K
         * and V projections, bias and activation as their own tasks, {@code attention} on Q, K, V.
         */
        float[] unfused(float[] x, AttentionOp attention, float[] y) {
            List<LinearLayer> qkv = List.of(inProj.slice(0, d), inProj.slice(d, d), inProj.slice(2 * d, d));
            List<LinearLayer> linears = new ArrayList<>(qkv);
            linears.addAll(List.of(outProj, ffn1, ffn2));
            transferWeights(linears);
            float[] attnIn = config.normFirst() ? layerNorm("ln1", x, weights.norm1Gamma(), weights.norm1Beta()) : x;
            float[] q = linear("q_proj", qkv.get(0), attnIn, Activations.IDENTITY);
            float[] k = linear("k_proj", qkv.get(1), attnIn, Activations.IDENTITY);
            float[] v = linear("v_proj", qkv.get(2), attnIn, Activations.IDENTITY);
            float[] attn = buffer(d);
            attention.addTo(g, "attention", QkvLayout.separate(q, k, v, d), attn, seqs, config.heads(),
                    config.headDim(), config.causal());
            float[] proj = linear("out_proj", outProj, attn, Activations.IDENTITY);
            float[] sum = add("residual1", x, proj, buffer(d));
            float[] ffnIn = config.normFirst()
                    ? layerNorm("ln2", sum, weights.norm2Gamma(), weights.norm2Beta())
                    : layerNorm("ln1", sum, weights.norm1Gamma(), weights.norm1Beta());
            float[] residual = config.normFirst() ? sum : ffnIn;
            float[] hidden = linear("linear1", ffn1, ffnIn, config.activation().kernelCode());
            float[] ffn = linear("linear2", ffn2, hidden, Activations.IDENTITY);
            if (config.normFirst()) {
                return add("residual2", residual, ffn, y);
            }
            float[] sum2 = add("residual2", residual, ffn, buffer(d));
            g.task("ln2", rows, Norms::layerNorm, sum2, weights.norm2Gamma(), weights.norm2Beta(), y, d, config.eps());
            return y;
        }

        /** The norms and the layers' weights, transferred to the device once. */
        private void transferWeights(List<LinearLayer> linears) {
            List<Object> constants = new ArrayList<>(List.of(weights.norm1Gamma(), weights.norm1Beta(),
                    weights.norm2Gamma(), weights.norm2Beta()));
            linears.forEach(l -> constants.addAll(l.weightArrays()));
            g.transferToDevice(DataTransferMode.FIRST_EXECUTION, constants.toArray());
        }

        /** Unfused linear layer: GEMM, then bias, then (unless identity) activation, each its own task. */
        private float[] linear(String name, LinearLayer layer, float[] in, int activation) {
            float[] raw = buffer(layer.out());
            layer.addTo(g, name, in, raw, rows, false, Activations.IDENTITY);
            float[] biased = buffer(layer.out());
            g.task(name + ".bias", rows, Elementwise::addBias, raw, layer.bias(), biased, layer.out());
            if (activation == Activations.IDENTITY) {
                return biased;
            }
            float[] activated = buffer(layer.out());
            g.task(name + ".act", rows, Activations::activation, biased, activated,
                    layer.out(), activation);
            return activated;
        }

        private float[] layerNorm(String name, float[] in, float[] gamma, float[] beta) {
            float[] out = buffer(d);
            g.task(name, rows, Norms::layerNorm, in, gamma, beta, out, d, config.eps());
            return out;
        }

        private float[] add(String name, float[] a, float[] b, float[] out) {
            g.task(name, rows, Elementwise::add, a, b, out, d);
            return out;
        }

        private float[] buffer(int cols) {
            return new float[Math.multiplyExact(rows, cols)];
        }
    }
}

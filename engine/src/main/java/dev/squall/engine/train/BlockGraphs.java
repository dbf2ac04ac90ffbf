package dev.squall.engine.train;

import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.memory.ActivationCodec;
import dev.squall.engine.memory.SavedTensor;
import dev.squall.engine.model.GptWeights;
import dev.squall.engine.model.NormKind;
import dev.squall.tasks.activation.Activations;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.attention.DenseAttention;
import dev.squall.tasks.attention.DenseAttentionBackward;
import dev.squall.tasks.attention.FusedAttention;
import dev.squall.tasks.attention.FusedAttentionBackward;
import dev.squall.tasks.elementwise.Elementwise;
import dev.squall.tasks.norm.Norms;
import dev.squall.tasks.softmax.Softmax;

import java.util.ArrayList;
import java.util.List;

/**
 * One pre-LN GPT block of a training step, nanoGPT's form ({@code x2 = x + attn(ln_1(x))},
 * {@code out = x2 + mlp(ln_2(x2))}, causal attention, GELU), as two graphs: the forward, which keeps what the
 * backward needs in explicit arrays ({@link #saved}), and the backward, which turns the gradient of the block's
 * output into the gradient of its input and adds the block's parameter gradients. The block's input {@code x} and
 * output are the caller's (the residual stream between blocks), as are the gradients at both ends, so blocks can be
 * chained, recomputed or split into pipeline stages by whoever holds the arrays.
 *
 * <p>Saved, by kind ({@link #saved}): {@code residual} (the input {@code x} and {@code x2}: the LayerNorms' inputs),
 * {@code ln_out} (the two LayerNorm outputs: inputs of {@code c_attn} and {@code c_fc}), {@code qkv}, {@code attn_out}
 * (the heads' output, input of {@code attn.c_proj}), {@code lse} (fused: each query's log-sum-exp) or {@code probs}
 * (unfused: {@code [B·T·H, T]}), {@code mlp_pre} (the GELU input) and {@code mlp_act} (its output, input of
 * {@code mlp.c_proj}). The LayerNorm statistics are recomputed in the backward.
 */
final class BlockGraphs {
    private final Layout layout;
    private final int layer;
    private final Parameter ln1Gamma;
    private final Parameter ln1Beta;
    private final Parameter ln2Gamma;
    private final Parameter ln2Beta;
    private final TrainLinear cAttn;
    private final TrainLinear attnProj;
    private final TrainLinear cFc;
    private final TrainLinear mlpProj;
    private final int[] seqStart;
    private final float[] mask = new float[1];
    // saved for the backward
    private final float[] ln1;
    private final float[] qkv;
    private final float[] attn;
    private final float[] lse;
    private final float[] probs;
    private final float[] x2;
    private final float[] ln2;
    private final float[] pre;
    private final float[] act;
    // forward workspace
    private final float[] scores;
    private final float[] proj;
    private final float[] mlpOut;
    private final Recompute recompute;
    /** The kept arrays stored compressed ({@link Compressed}): empty without activation compression. */
    private final List<Compressed> compressed;
    // "norm": "prepbn" (else null): the norms that replace ln_1 and ln_2
    private final PrepBnNorm norm1;
    private final PrepBnNorm norm2;

    BlockGraphs(Layout layout, Parameters p, int layer) {
        this(layout, p, layer, Recompute.NONE, ActivationCodec.NONE, null);
    }

    /** A block; with {@code lambda} (the step's λ) its norms are PRepBN ({@code "norm": "prepbn"}). */
    BlockGraphs(Layout layout, Parameters p, int layer, float[] lambda) {
        this(layout, p, layer, Recompute.NONE, ActivationCodec.NONE, lambda);
    }

    /**
     * Block {@code layer} whose backward recomputes what {@code recompute} does not keep and whose forward stores
     * what it keeps of the compressible kinds ({@link #COMPRESSIBLE}) through {@code codec}.
     */
    BlockGraphs(Layout layout, Parameters p, int layer, Recompute recompute, ActivationCodec codec, float[] lambda) {
        if (lambda != null && (recompute != Recompute.NONE || codec.compresses())) {
            // a PRepBN forward updates running statistics: rerunning it in the backward would update them twice
            throw new IllegalArgumentException("--recompute and --act-compress are not available with \"norm\": "
                    + "\"prepbn\" yet");
        }
        this.layout = layout;
        this.layer = layer;
        this.recompute = recompute;
        int c = layout.c();
        this.ln1Gamma = p.get(GptWeights.block(layer, "ln_1.weight"));
        this.ln1Beta = p.vector(GptWeights.block(layer, "ln_1.bias"), c);
        this.ln2Gamma = p.get(GptWeights.block(layer, "ln_2.weight"));
        this.ln2Beta = p.vector(GptWeights.block(layer, "ln_2.bias"), c);
        this.cAttn = linear(p, "attn.c_attn", c, 3 * c);
        this.attnProj = linear(p, "attn.c_proj", c, c);
        this.cFc = linear(p, "mlp.c_fc", c, 4 * c);
        this.mlpProj = linear(p, "mlp.c_proj", 4 * c, c);
        this.seqStart = layout.seqStart();
        int probRows = layout.rows() * layout.heads();
        boolean fused = layout.attention() == TrainOptions.Attention.FUSED;
        this.ln1 = layout.rowsOf(c);
        this.qkv = layout.rowsOf(3 * c);
        this.attn = layout.rowsOf(c);
        this.lse = fused ? layout.rowsOf(layout.heads()) : null;
        this.probs = fused ? null : new float[Math.multiplyExact(probRows, layout.length())];
        this.scores = fused ? null : new float[probs.length];
        this.x2 = layout.rowsOf(c);
        this.ln2 = layout.rowsOf(c);
        this.pre = layout.rowsOf(4 * c);
        this.act = layout.rowsOf(4 * c);
        this.proj = layout.rowsOf(c);
        this.mlpOut = layout.rowsOf(c);
        this.norm1 = lambda == null ? null : new PrepBnNorm(layout, p, GptWeights.block(layer, "ln_1"), name("ln_1"),
                lambda, ln1Gamma, ln1Beta);
        this.norm2 = lambda == null ? null : new PrepBnNorm(layout, p, GptWeights.block(layer, "ln_2"), name("ln_2"),
                lambda, ln2Gamma, ln2Beta);
        this.compressed = new ArrayList<>();
        if (codec.compresses()) {
            for (Saved s : saved()) {
                if (COMPRESSIBLE.contains(s.kind())) {
                    int cols = s.kind().equals("probs") ? layout.length() : s.array().length / layout.rows();
                    int rows = s.array().length / cols;
                    int n = compressed.size();
                    compressed.add(new Compressed(s.kind(), s.array(),
                            codec.saved(name(s.kind()) + "." + n, rows, cols, 16 * layer + n)));
                }
            }
        }
    }

    /**
     * The saved kinds that activation compression stores quantised (docs/training-memory.md): not {@code qkv}
     * (quantised Q, K give rows of recomputed probabilities that no longer sum to 1) nor {@code lse} (a per-row
     * statistic scaling a whole row).
     */
    static final java.util.Set<String> COMPRESSIBLE = java.util.Set.of("residual", "ln_out", "attn_out", "probs",
            "mlp_pre", "mlp_act");

    /** A kept array of {@code kind} stored compressed: the forward packs {@code array}, the backward unpacks into it. */
    private record Compressed(String kind, float[] array, SavedTensor tensor) {
    }

    /** Sets the stochastic-rounding seed of every compressed tensor for step {@code step} of run {@code runSeed}. */
    void reseed(long runSeed, long step) {
        compressed.forEach(c -> c.tensor().reseed(runSeed, step));
    }

    /** Bytes of the compressed tensors' saved form and of the same tensors in fp32. */
    long[] compressedBytes() {
        return new long[] {compressed.stream().mapToLong(c -> c.tensor().bytes()).sum(),
                compressed.stream().mapToLong(c -> c.tensor().fp32Bytes()).sum()};
    }

    /**
     * The forward of {@code of} as its training step runs it when it recomputes: the arrays {@code of} keeps are its
     * own, those it recomputes in its backward are {@code scratch}'s (a block shared by every layer's forward), so
     * the forward's copies die with the forward.
     */
    BlockGraphs(BlockGraphs of, BlockGraphs scratch) {
        this.layout = of.layout;
        this.layer = of.layer;
        this.recompute = of.recompute;
        this.ln1Gamma = of.ln1Gamma;
        this.ln1Beta = of.ln1Beta;
        this.ln2Gamma = of.ln2Gamma;
        this.ln2Beta = of.ln2Beta;
        this.cAttn = of.cAttn;
        this.attnProj = of.attnProj;
        this.cFc = of.cFc;
        this.mlpProj = of.mlpProj;
        this.seqStart = of.seqStart;
        this.ln1 = pick(of, "ln_out", of.ln1, scratch.ln1);
        this.qkv = pick(of, "qkv", of.qkv, scratch.qkv);
        this.attn = pick(of, "attn_out", of.attn, scratch.attn);
        this.lse = pick(of, "lse", of.lse, scratch.lse);
        this.probs = pick(of, "probs", of.probs, scratch.probs);
        this.x2 = pick(of, "residual", of.x2, scratch.x2);
        this.ln2 = pick(of, "ln_out", of.ln2, scratch.ln2);
        this.pre = pick(of, "mlp_pre", of.pre, scratch.pre);
        this.act = pick(of, "mlp_act", of.act, scratch.act);
        this.scores = scratch.scores;
        this.proj = scratch.proj;
        this.mlpOut = scratch.mlpOut;
        this.norm1 = of.norm1;
        this.norm2 = of.norm2;
        this.compressed = new ArrayList<>();
        for (Compressed k : of.compressed) {
            compressed.add(new Compressed(k.kind(), scratchOf(of, scratch, k.array()), k.tensor()));
        }
    }

    /** Kept arrays are {@code of}'s own unless recomputed or stored compressed (then the forward's copy is scratch). */
    private static float[] pick(BlockGraphs of, String kind, float[] kept, float[] recomputed) {
        boolean packed = of.compressed.stream().anyMatch(c -> c.array() == kept);
        return of.recompute.keeps(kind) && !packed ? kept : recomputed;
    }

    /** {@code scratch}'s array in the place of {@code of}'s {@code own}. */
    private static float[] scratchOf(BlockGraphs of, BlockGraphs scratch, float[] own) {
        float[][] mine = {of.ln1, of.attn, of.probs, of.x2, of.ln2, of.pre, of.act};
        float[][] theirs = {scratch.ln1, scratch.attn, scratch.probs, scratch.x2, scratch.ln2, scratch.pre, scratch.act};
        for (int i = 0; i < mine.length; i++) {
            if (mine[i] == own) {
                return theirs[i];
            }
        }
        throw new IllegalStateException("not a compressible array of block " + of.layer);
    }

    private TrainLinear linear(Parameters p, String part, int in, int out) {
        return new TrainLinear(name(part), p.get(GptWeights.block(layer, part + ".weight")),
                p.vector(GptWeights.block(layer, part + ".bias"), out), in, out);
    }

    private String name(String part) {
        return "h" + layer + "." + part;
    }

    /** The arrays the forward keeps for the backward, by kind (without the input {@code x}, the caller's). */
    List<Saved> saved() {
        List<Saved> s = new ArrayList<>(List.of(new Saved("residual", x2), new Saved("ln_out", ln1),
                new Saved("ln_out", ln2), new Saved("qkv", qkv), new Saved("attn_out", attn),
                new Saved("mlp_pre", pre), new Saved("mlp_act", act)));
        s.add(lse != null ? new Saved("lse", lse) : new Saved("probs", probs));
        s.removeIf(k -> !recompute.keeps(k.kind()));
        if (compressed != null) {
            s.removeIf(k -> compressed.stream().anyMatch(c -> c.array() == k.array()));
        }
        return s;
    }

    /** A saved array and its kind. */
    record Saved(String kind, float[] array) {
    }

    /** The block's parameter values, which every graph of the block reads from the host. */
    Object[] values() {
        List<Object> v = new ArrayList<>(List.of(ln1Gamma.value(), ln1Beta.value(), ln2Gamma.value(), ln2Beta.value()));
        for (TrainLinear l : List.of(cAttn, attnProj, cFc, mlpProj)) {
            v.addAll(List.of(l.values()));
        }
        if (norm1 != null) {
            v.addAll(norm1.values());
            v.addAll(norm2.values());
        }
        return v.toArray();
    }

    /** The block's gradient arrays (trained parameters only). */
    Object[] grads() {
        List<Object> v = new ArrayList<>(List.of(ln1Gamma.grad(), ln2Gamma.grad()));
        for (Parameter b : List.of(ln1Beta, ln2Beta)) {
            if (b.m() != null) {
                v.add(b.grad());
            }
        }
        for (TrainLinear l : List.of(cAttn, attnProj, cFc, mlpProj)) {
            v.addAll(List.of(l.grads()));
        }
        if (norm1 != null) {
            v.addAll(norm1.grads());
            v.addAll(norm2.grads());
        }
        return v.toArray();
    }

    /**
     * The forward graph: from {@code x} (consumed from an earlier graph) to {@code out} (persisted), keeping the
     * saved arrays on the device for the backward ({@code keep}) or not (evaluation).
     */
    TaskGraph forward(float[] x, float[] out, boolean keep) {
        int c = layout.c();
        int rows = layout.rows();
        TaskGraph g = new TaskGraph(name("forward"));
        g.consumeFromDevice(x);
        g.transferToDevice(DataTransferMode.EVERY_EXECUTION, values());
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, seqStart, mask);
        forwardThroughGelu(g, x, keep);
        mlpProj.forward(g, layout, act, mlpOut);
        g.task(name("residual"), rows, Elementwise::add, x2, mlpOut, out, c);
        g.persistOnDevice(out);
        if (keep) {
            g.persistOnDevice(x);
            saved().forEach(s -> g.persistOnDevice(s.array()));
            for (Compressed k : compressed) {
                k.tensor().save(g, k.array());
                g.label("saved/" + k.kind(), k.tensor().arrays());
            }
        }
        saved().forEach(s -> g.label("saved/" + s.kind(), s.array()));
        g.label(StepGraphs.CONSTANTS, seqStart, mask);
        return g;
    }

    /** The forward's tasks from the block input {@code x} to the GELU output (what a full recomputation reruns). */
    private void forwardThroughGelu(TaskGraph g, float[] x, boolean keep) {
        int c = layout.c();
        int rows = layout.rows();
        float eps = layout.config().eps();
        layerNorm1(g, x, keep);
        cAttn.forward(g, layout, ln1, qkv);
        attentionForward(g);
        attnProj.forward(g, layout, attn, proj);
        if (norm2 != null) {
            g.task(name("ln_2.add"), rows, Elementwise::add, x, proj, x2, c);
            norm2.forward(g, x2, ln2, keep);
        } else {
            g.task(name("ln_2"), rows, Norms::addLayerNorm, x, proj, ln2Gamma.value(), ln2Beta.value(), x2, ln2, c,
                    eps);
        }
        cFc.forward(g, layout, ln2, pre);
        gelu(g);
    }

    private void layerNorm1(TaskGraph g, float[] x, boolean keep) {
        if (norm1 != null) {
            norm1.forward(g, x, ln1, keep);
            return;
        }
        g.task(name("ln_1"), layout.rows(), Norms::layerNorm, x, ln1Gamma.value(), ln1Beta.value(), ln1, layout.c(),
                layout.config().eps());
    }

    private void gelu(TaskGraph g) {
        g.task(name("gelu"), layout.rows(), Activations::activation, pre, act, 4 * layout.c(),
                layout.config().activation());
    }

    /** Attention from {@code qkv}: its output and log-sum-exp (fused) or its probabilities (unfused). */
    private void attentionForward(TaskGraph g) {
        int c = layout.c();
        int rows = layout.rows();
        int heads = layout.heads();
        int d = layout.config().headDim();
        if (lse != null) {
            g.task(name("attn"), FusedAttention.rows(seqStart, layout.batch(), heads), FusedAttention::attentionWithLse,
                    qkv, qkv, qkv, attn, lse, seqStart, heads, d, 3 * c, c, 2 * c, 1);
        } else {
            int qRows = rows * heads;
            int t = layout.length();
            g.task(name("attn.scores"), qRows, DenseAttention::scores, qkv, qkv, mask, scores, seqStart, heads, d,
                    3 * c, c, AttentionMask.CAUSAL, t);
            g.task(name("attn.softmax"), qRows, Softmax::softmax, scores, probs, t);
            g.task(name("attn.weightedSum"), qRows, DenseAttention::weightedSum, probs, qkv, attn, seqStart, heads, d,
                    3 * c, 2 * c, t);
        }
    }

    /**
     * The tasks that rebuild, at the start of the backward, what the forward did not keep ({@link Recompute}):
     * the same kernels on the same inputs as the forward, hence the same bits.
     */
    private void recomputeTasks(TaskGraph g, float[] x) {
        for (Compressed k : compressed) {
            k.tensor().restore(g, k.array());
        }
        if (recompute != Recompute.NONE) {
            g.transferToDevice(DataTransferMode.FIRST_EXECUTION, mask);
        }
        if (recompute == Recompute.FULL) {
            forwardThroughGelu(g, x, true);
        } else if (recompute == Recompute.SELECTIVE) {
            layerNorm1(g, x, true);
            attentionForward(g);
            // addLayerNorm normalises the sum it wrote with the same row code: x2 kept gives ln2's bits back
            g.task(name("ln_2"), layout.rows(), Norms::layerNorm, x2, ln2Gamma.value(), ln2Beta.value(), ln2,
                    layout.c(), layout.config().eps());
            gelu(g);
        }
    }

    /**
     * The backward graph: from {@code dOut} (the gradient of the block's output, consumed) to {@code dIn} (of its
     * input {@code x}, written and persisted), adding to the parameter gradients (brought from the host and sent
     * back: the gradients live on the host between graphs, so that any graph of any plan can add to them).
     */
    TaskGraph backward(float[] x, float[] dOut, float[] dIn, Workspace w) {
        int c = layout.c();
        int rows = layout.rows();
        float eps = layout.config().eps();
        TaskGraph g = new TaskGraph(name("backward"));
        g.consumeFromDevice(x, dOut);
        saved().forEach(s -> g.consumeFromDevice(s.array()));
        if (norm1 != null) {
            g.consumeFromDevice(norm1.stats, norm2.stats);
        }
        g.transferToDevice(DataTransferMode.EVERY_EXECUTION, grads());
        g.transferToDevice(DataTransferMode.EVERY_EXECUTION, values());
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, seqStart);
        recomputeTasks(g, x);
        // the residual: dIn starts as dOut; both LayerNorm backwards add into it
        g.task(name("residual.clear"), rows, Elementwise::fill, dIn, c, 0f);
        g.task(name("residual.back"), rows, Elementwise::accumulate, dOut, dIn, c);
        mlpProj.backward(g, layout, dOut, act, w.dHidden);
        g.task(name("gelu.back"), rows, Activations::activationBackward, pre, w.dHidden, w.dPre, 4 * c,
                layout.config().activation());
        cFc.backward(g, layout, w.dPre, ln2, w.dNorm);
        if (norm2 != null) {
            norm2.backward(g, x2, w.dNorm, dIn, w.share, w.stats);
        } else {
            layerNormBackward(g, "ln_2", x2, ln2Gamma, ln2Beta, w, dIn, rows, c, eps);
        }
        attnProj.backward(g, layout, dIn, attn, w.dAttn);
        attentionBackward(g, w);
        cAttn.backward(g, layout, w.dQkv, ln1, w.dNorm);
        if (norm1 != null) {
            norm1.backward(g, x, w.dNorm, dIn, w.share, w.stats);
        } else {
            layerNormBackward(g, "ln_1", x, ln1Gamma, ln1Beta, w, dIn, rows, c, eps);
        }
        g.persistOnDevice(dIn);
        g.transferToHost(DataTransferMode.EVERY_EXECUTION, grads());
        return g;
    }

    private void layerNormBackward(TaskGraph g, String part, float[] in, Parameter gamma, Parameter beta, Workspace w,
                                   float[] dIn, int rows, int c, float eps) {
        g.task(name(part + ".back"), rows, Norms::layerNormBackward, in, gamma.value(), w.dNorm, dIn, w.stats, c, eps);
        g.task(name(part + ".params"), Elementwise.columnPanels(c), Norms::layerNormParamsBackward, in, w.stats,
                w.dNorm, gamma.grad(), beta.grad(), rows, c);
    }

    private void attentionBackward(TaskGraph g, Workspace w) {
        int c = layout.c();
        int heads = layout.heads();
        int d = layout.config().headDim();
        int qRows = layout.rows() * heads;
        if (lse != null) {
            int blocks = FusedAttention.rows(seqStart, layout.batch(), heads);
            g.task(name("attn.dots"), qRows, FusedAttentionBackward::outputDots, attn, w.dAttn, w.delta, d);
            g.task(name("attn.dq"), blocks, FusedAttentionBackward::queryGradient, qkv, w.dAttn, lse, w.delta, w.dQkv,
                    seqStart, heads, d, 3 * c, c, 2 * c, 1);
            g.task(name("attn.dkv"), blocks, FusedAttentionBackward::keyValueGradient, qkv, w.dAttn, lse, w.delta,
                    w.dQkv, seqStart, heads, d, 3 * c, c, 2 * c, 1);
        } else {
            int t = layout.length();
            g.task(name("attn.dv"), qRows, DenseAttentionBackward::valueGradient, probs, w.dAttn, w.dQkv, seqStart,
                    heads, d, 3 * c, 2 * c, t);
            g.task(name("attn.dp"), qRows, DenseAttentionBackward::probabilityGradient, w.dAttn, qkv, w.dProbs,
                    seqStart, heads, d, 3 * c, 2 * c, t);
            g.task(name("attn.ds"), qRows, Softmax::softmaxBackward, probs, w.dProbs, w.dScores, t);
            g.task(name("attn.dq"), qRows, DenseAttentionBackward::queryGradient, w.dScores, qkv, w.dQkv, seqStart,
                    heads, d, 3 * c, c, t);
            g.task(name("attn.dk"), qRows, DenseAttentionBackward::keyGradient, w.dScores, qkv, w.dQkv, seqStart,
                    heads, d, 3 * c, c, t);
        }
    }

    /** Arrays the backward of any block uses only while it runs, shared by all blocks. */
    static final class Workspace {
        final float[] dHidden;
        final float[] dPre;
        final float[] dNorm;
        final float[] dAttn;
        final float[] dQkv;
        final float[] stats;
        final float[] delta;
        final float[] dProbs;
        final float[] dScores;
        /** PRepBN only: the LayerNorm branch's share of a norm's output gradient. */
        final float[] share;

        Workspace(Layout layout) {
            int c = layout.c();
            dHidden = layout.rowsOf(4 * c);
            dPre = layout.rowsOf(4 * c);
            dNorm = layout.rowsOf(c);
            dAttn = layout.rowsOf(c);
            dQkv = layout.rowsOf(3 * c);
            stats = layout.rowsOf(Norms.STATS);
            boolean fused = layout.attention() == TrainOptions.Attention.FUSED;
            int probs = Math.multiplyExact(layout.rows() * layout.heads(), layout.length());
            delta = fused ? layout.rowsOf(layout.heads()) : null;
            dProbs = fused ? null : new float[probs];
            dScores = fused ? null : new float[probs];
            share = layout.config().norm() == NormKind.PREPBN ? layout.rowsOf(c) : null;
        }
    }
}

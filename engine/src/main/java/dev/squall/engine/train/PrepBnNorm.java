package dev.squall.engine.train;

import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.tasks.elementwise.Elementwise;
import dev.squall.tasks.norm.BatchNorms;
import dev.squall.tasks.norm.Norms;

import java.util.Arrays;
import java.util.List;

/**
 * One SLAB norm of a {@code "norm": "prepbn"} model in training: {@code λ·LN(x) + (1 − λ)·RepBN(x)} with
 * {@code RepBN(x) = BN(x) + α·x} (see {@code docs/prepbn.md}). Training forward: batch statistics over all rows,
 * the mixture, and the running mean and variance updated with momentum 0.1; evaluation forward: the statistics from
 * the running mean and variance. {@code λ} is the step's one-element array, shared by all norms.
 */
final class PrepBnNorm {
    static final float MOMENTUM = 0.1f;

    private final Layout layout;
    private final String name;
    private final Parameter lnGamma;
    private final Parameter lnBeta;
    private final Parameter bnGamma;
    private final Parameter bnBeta;
    private final Parameter alpha;
    private final float[] runningMean;
    private final float[] runningVar;
    private final float[] lambda;
    private final int[] keep;
    /** Per-channel statistics of the forward, saved for the backward. */
    final float[] stats;
    private final float[] sums;
    private final float[] alphaPartials;

    /** The norm {@code prefix} whose LayerNorm branch is {@code lnGamma}, {@code lnBeta} (the caller's). */
    PrepBnNorm(Layout layout, Parameters p, String prefix, String name, float[] lambda, Parameter lnGamma,
               Parameter lnBeta) {
        int c = layout.c();
        this.layout = layout;
        this.name = name;
        this.lnGamma = lnGamma;
        this.lnBeta = lnBeta;
        this.bnGamma = p.get(prefix + ".bn.weight");
        this.bnBeta = p.get(prefix + ".bn.bias");
        this.alpha = p.get(prefix + ".alpha");
        this.runningMean = p.buffer(prefix + ".bn.running_mean");
        this.runningVar = p.buffer(prefix + ".bn.running_var");
        this.lambda = lambda;
        this.keep = new int[layout.rows()];
        Arrays.fill(keep, 1);
        this.stats = new float[c * BatchNorms.STATS];
        this.sums = new float[2 * c];
        this.alphaPartials = new float[Elementwise.columnPanels(c)];
    }

    /** What the graphs of this norm read besides the LayerNorm branch's parameters: RepBN's, running statistics, λ. */
    List<Object> values() {
        return List.of(bnGamma.value(), bnBeta.value(), alpha.value(), runningMean, runningVar, lambda, keep);
    }

    /** The gradients of RepBN's parameters (the LayerNorm branch's are the caller's). */
    List<Object> grads() {
        return List.of(bnGamma.grad(), bnBeta.grad(), alpha.grad());
    }

    /** {@code out = norm(in)}; in training with batch statistics and the running statistics updated (sent back). */
    void forward(TaskGraph g, float[] in, float[] out, boolean training) {
        int c = layout.c();
        int rows = layout.rows();
        float eps = layout.config().eps();
        if (training) {
            g.task(name + ".stats", Elementwise.columnPanels(c), BatchNorms::batchStats, in, keep, stats, rows, c, eps);
        } else {
            g.task(name + ".stats", c, BatchNorms::runningStats, runningMean, runningVar, stats, c, eps);
        }
        g.task(name, rows, BatchNorms::prepBn, in, lnGamma.value(), lnBeta.value(), stats, bnGamma.value(),
                bnBeta.value(), alpha.value(), lambda, out, c, eps);
        if (training) {
            g.task(name + ".running", c, BatchNorms::updateRunning, stats, runningMean, runningVar, MOMENTUM, c);
            g.transferToHost(DataTransferMode.EVERY_EXECUTION, runningMean, runningVar);
            g.persistOnDevice(stats);
        }
        g.label("saved/bn_stats", stats);
    }

    /**
     * Adds the gradient of the norm's input to {@code dIn} from {@code dOut} (the gradient of its output) and the
     * parameters' gradients; {@code share} ({@code [rows, C]}) and {@code lnStats} are scratch.
     */
    void backward(TaskGraph g, float[] in, float[] dOut, float[] dIn, float[] share, float[] lnStats) {
        int c = layout.c();
        int rows = layout.rows();
        int panels = Elementwise.columnPanels(c);
        float eps = layout.config().eps();
        g.task(name + ".bn.reduce", panels, BatchNorms::repBnReduce, in, stats, dOut, lambda, sums, alphaPartials,
                rows, c);
        g.task(name + ".bn.back", rows, BatchNorms::repBnBackward, in, stats, bnGamma.value(), alpha.value(), keep,
                sums, dOut, lambda, dIn, c);
        g.task(name + ".bn.params", panels, BatchNorms::repBnParamsBackward, sums, alphaPartials, bnGamma.grad(),
                bnBeta.grad(), alpha.grad(), c, panels);
        g.task(name + ".ln.share", rows, BatchNorms::layerNormShare, dOut, lambda, share, c);
        g.task(name + ".ln.back", rows, Norms::layerNormBackward, in, lnGamma.value(), share, dIn, lnStats, c, eps);
        g.task(name + ".ln.params", panels, Norms::layerNormParamsBackward, in, lnStats, share, lnGamma.grad(),
                lnBeta.grad(), rows, c);
    }
}

package dev.squall.engine.model;

import dev.squall.engine.graph.TaskGraph;
import dev.squall.tasks.elementwise.Elementwise;
import dev.squall.tasks.norm.BatchNorms;
import dev.squall.tasks.norm.Norms;

import java.util.List;

/**
 * One norm of the inference model as a graph recipe: LayerNorm ({@link Norms#layerNorm}), a PRepBN in evaluation
 * form, which is RepBN with the running statistics ({@link BatchNorms#runningStats} then {@link BatchNorms#repBn}:
 * the statistics are formed by a task of the graph, so a trainer updating the running mean and variance in place
 * evaluates with the current ones), or none (a folded block norm: its input passes through).
 * After a residual add the LayerNorm runs fused with it ({@link Norms#addLayerNorm}); the others add first
 * ({@link Elementwise#add}).
 */
public final class GptNorm {
    private enum Kind { LAYER_NORM, REP_BN, NONE }

    private final Kind kind;
    private final float[] gamma;
    private final float[] beta;
    private final float[] runningMean;
    private final float[] runningVar;
    private final float[] stats;
    private final float[] alpha;
    private final float eps;

    private GptNorm(Kind kind, float[] gamma, float[] beta, float[][] running, float[] alpha, float eps) {
        this.kind = kind;
        this.gamma = gamma;
        this.beta = beta;
        this.runningMean = running == null ? null : running[0];
        this.runningVar = running == null ? null : running[1];
        this.stats = running == null ? null : new float[running[0].length * BatchNorms.STATS];
        this.alpha = alpha;
        this.eps = eps;
    }

    /** LayerNorm with {@code gamma}, {@code beta}. */
    public static GptNorm layerNorm(float[] gamma, float[] beta, float eps) {
        return new GptNorm(Kind.LAYER_NORM, gamma, beta, null, null, eps);
    }

    /** No norm: the input is the output. */
    public static GptNorm identity() {
        return new GptNorm(Kind.NONE, null, null, null, null, 0f);
    }

    /** RepBN in evaluation form from norm {@code prefix}'s tensors ({@link GptWeights#repBnNames}). */
    public static GptNorm repBn(GptWeights w, String prefix) {
        List<String> names = GptWeights.repBnNames(prefix);
        return new GptNorm(Kind.REP_BN, w.tensor(names.get(0)), w.tensor(names.get(1)),
                new float[][] {w.tensor(names.get(2)), w.tensor(names.get(3))}, w.tensor(names.get(4)),
                w.config().eps());
    }

    /**
     * Norm {@code prefix} of {@code w} as its config evaluates it: LayerNorm, RepBN (PRepBN at inference), or for
     * a folded model nothing in the blocks and RepBN for {@code ln_f}.
     */
    public static GptNorm of(GptWeights w, String prefix) {
        GptConfig config = w.config();
        return switch (config.norm()) {
            case LAYERNORM -> layerNorm(w.tensor(prefix + ".weight"), w.vector(prefix + ".bias", config.nEmbd()),
                    config.eps());
            case PREPBN -> repBn(w, prefix);
            case FOLDED -> prefix.equals(GptWeights.LN_F) ? repBn(w, prefix) : identity();
        };
    }

    /** Whether the norm does nothing. */
    public boolean isIdentity() {
        return kind == Kind.NONE;
    }

    /** LayerNorm's gamma (RepBN's for a RepBN); {@code null} for none. */
    public float[] gamma() {
        return gamma;
    }

    /** LayerNorm's beta (RepBN's for a RepBN); {@code null} for none. */
    public float[] beta() {
        return beta;
    }

    /** The arrays its tasks read that never change, for the graph's transfers. */
    public List<Object> constants() {
        return switch (kind) {
            case LAYER_NORM -> List.of(gamma, beta);
            case REP_BN -> List.of(gamma, beta, runningMean, runningVar, alpha);
            default -> List.of();
        };
    }

    /** Adds the task of {@code out = norm(x)} over {@code rows} rows of {@code c}; returns the output array. */
    public float[] addTo(TaskGraph g, String name, int rows, int c, float[] x, float[] out) {
        switch (kind) {
            case LAYER_NORM -> g.task(name, rows, Norms::layerNorm, x, gamma, beta, out, c, eps);
            case REP_BN -> g.task(name + ".stats", c, BatchNorms::runningStats, runningMean, runningVar, stats, c, eps)
                    .task(name, rows, BatchNorms::repBn, x, stats, gamma, beta, alpha, out, c);
            default -> {
                return x;
            }
        }
        return out;
    }

    /**
     * Adds the tasks of {@code sum = x + residual} and {@code out = norm(sum)}; returns the normalised array
     * ({@code sum} itself for no norm).
     */
    public float[] addAfterResidual(TaskGraph g, String name, int rows, int c, float[] x, float[] residual,
                                    float[] sum, float[] out) {
        if (kind == Kind.LAYER_NORM) {
            g.task(name, rows, Norms::addLayerNorm, x, residual, gamma, beta, sum, out, c, eps);
            return out;
        }
        g.task(name + ".add", rows, Elementwise::add, x, residual, sum, c);
        return addTo(g, name, rows, c, sum, out);
    }
}

package dev.squall.engine.train;

import dev.squall.engine.graph.Backend;
import dev.squall.engine.graph.ExecutionPlan;
import dev.squall.engine.layers.GemmTilesPreference;
import dev.squall.engine.model.GptWeights;
import dev.squall.engine.pipeline.LocalPipeline;
import dev.squall.engine.pipeline.PipelineStage;
import dev.squall.tasks.optim.AdamW;
import dev.squall.tasks.optim.GradClip;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One stage of a GPT training pipeline: blocks {@code [from, to)}, with the token and position embeddings when it
 * is the first stage and {@code ln_f}, the head and the loss when it is the last, on its own backend (see
 * {@code docs/pipeline.md}). Its graphs are the single-stage trainer's parts ({@link StepGraphs#stageForward},
 * {@link StepGraphs#stageBackward}) at micro-batch size, and its host part is the trainer's ({@link MicroBatches}),
 * so the weights after every step are bit-identical to {@link GptTrainer} with the same micro-batches.
 *
 * <p>What crosses stages: the residual stream {@code x[from]} forward and its gradient backward, and per step each
 * stage's {@link #share}: the first stage's part of the tied {@code wte} gradient (the embedding's), the last
 * stage's (the head's), and every stage's per-chunk squared gradient norms (its own tensors, in model order). In
 * {@link #shared} every stage adds the two {@code wte} parts, divides by M, and takes the global norm over all
 * partials in model order; the first and last stage apply the same AdamW update to their copies of {@code wte}.
 *
 * <p>A forward keeps the micro-batch's saved arrays (the blocks' inputs and saved activations, the first stage's
 * tokens, the last stage's gradient into its blocks) as host copies until its backward: on the JVM backend the
 * graphs' arrays are those host arrays (a device backend would need the copies made on the device; not done).
 * The stage holds a full copy of the weights but trains and reports only its own tensors.
 */
public final class GptStage implements PipelineStage, AutoCloseable {
    /** Where the first and last stages read step k's batch ({@code int32 [B, T+1]}, row-major). */
    @FunctionalInterface
    public interface Batches {
        /** The batch of step {@code step} (0-based). */
        int[] batch(long step);
    }

    private final TrainOptions options;
    private final Backend backend;
    private final Layout layout;
    private final Parameters params;
    private final StepGraphs graphs;
    private final int from;
    private final int to;
    private final boolean first;
    private final boolean last;
    private final int stages;
    private final int microBatches;
    private final Batches data;
    private final boolean tied;
    private final List<Parameter> own = new ArrayList<>();
    private final List<Parameter> updated = new ArrayList<>();
    private final Map<Integer, Object[]> stash = new HashMap<>();
    private ExecutionPlan forwardPlan;
    private ExecutionPlan backwardPlan;
    private ExecutionPlan updatePlan;
    private int[] batch;
    private long step;

    /**
     * Stage {@code stage} of {@code blocksPerStage.length}, holding {@code blocksPerStage[stage]} blocks, for batches
     * of {@code batch} sequences of {@code length} tokens split into {@code microBatches} micro-batches.
     *
     * @param weights the initial weights (copied: each stage holds its own)
     * @param data    the batches (read by the first and the last stage)
     * @throws IllegalArgumentException naming the argument when a count does not fit the model or the batch
     */
    public GptStage(GptWeights weights, TrainOptions options, Backend backend, int batch, int length, int microBatches,
                    int[] blocksPerStage, int stage, Batches data) {
        int layers = weights.config().nLayer();
        int sum = 0;
        for (int n : blocksPerStage) {
            if (n < 1) {
                throw new IllegalArgumentException("stage layers must be >= 1 each, got " + java.util.Arrays.toString(blocksPerStage));
            }
            sum += n;
        }
        if (sum != layers) {
            throw new IllegalArgumentException("stage layers " + java.util.Arrays.toString(blocksPerStage)
                    + " must sum to n_layer = " + layers);
        }
        if (stage < 0 || stage >= blocksPerStage.length) {
            throw new IllegalArgumentException("stage must be in [0, " + blocksPerStage.length + "), got " + stage);
        }
        if (microBatches < 1 || batch < 1 || batch % microBatches != 0) {
            throw new IllegalArgumentException("micro-batches must be >= 1 and divide the batch size " + batch
                    + ", got " + microBatches);
        }
        if (length < 1 || length > weights.config().blockSize()) {
            throw new IllegalArgumentException("sequence length T must be in [1, block_size = "
                    + weights.config().blockSize() + "], got " + length);
        }
        int a = 0;
        for (int s = 0; s < stage; s++) {
            a += blocksPerStage[s];
        }
        this.from = a;
        this.to = a + blocksPerStage[stage];
        this.stages = blocksPerStage.length;
        this.first = stage == 0;
        this.last = stage == stages - 1;
        this.options = options;
        this.backend = backend;
        this.microBatches = microBatches;
        this.data = data;
        this.layout = new Layout(weights.config(), batch / microBatches, length, options.attention(),
                GemmTilesPreference.of(backend), Layout.TRANS_A);
        this.params = new Parameters(copy(weights));
        this.graphs = new StepGraphs(layout, params, options.gradClip());
        this.tied = graphs.tiedHeadGrad != null;
        for (Parameter p : params.all()) {
            if (owns(p.name())) {
                own.add(p);
            }
        }
        updated.addAll(own);
        if (tied && last && !first) {
            updated.addFirst(params.get(GptWeights.WTE));
        }
    }

    private static GptWeights copy(GptWeights w) {
        Map<String, dev.squall.engine.io.NdArray> m = new LinkedHashMap<>();
        w.tensors().forEach((k, t) -> m.put(k, dev.squall.engine.io.NdArray.of(((float[]) t.data()).clone(), t.shape())));
        return GptWeights.of(w.config(), m);
    }

    /** Whether this stage trains and reports {@code name} (the tied {@code wte}: the first stage). */
    private boolean owns(String name) {
        if (name.equals(GptWeights.WTE) || name.equals(GptWeights.WPE)) {
            return first;
        }
        for (int i = from; i < to; i++) {
            if (name.startsWith(GptWeights.block(i, ""))) {
                return true;
            }
        }
        return last && !name.startsWith("transformer.h.");
    }

    @Override
    public void beginStep(long step, int microBatches) {
        if (microBatches != this.microBatches) {
            throw new IllegalArgumentException("this stage was built for " + this.microBatches
                    + " micro-batches, the step has " + microBatches);
        }
        graphs.zeroGradients();
        batch = first || last ? data.batch(step) : null;
        stash.clear();
    }

    @Override
    public float[] forward(int microBatch, float[] input) {
        if (batch != null) {
            MicroBatches.load(batch, microBatch, layout.batch(), layout.length(), graphs.tokens, graphs.targets);
        }
        if (!first) {
            System.arraycopy(input, 0, graphs.x[from], 0, graphs.x[from].length);
        }
        if (forwardPlan == null) {
            forwardPlan = backend.plan(graphs.stageForward(from, to));
        }
        forwardPlan.execute();
        stash.put(microBatch, kept().stream().map(GptStage::cloneArray).toArray());
        return last ? new float[] {graphs.loss[0]} : graphs.x[to].clone();
    }

    @Override
    public float[] backward(int microBatch, float[] outputGradient) {
        Object[] saved = stash.remove(microBatch);
        List<Object> arrays = kept();
        for (int i = 0; i < saved.length; i++) {
            System.arraycopy(saved[i], 0, arrays.get(i), 0, java.lang.reflect.Array.getLength(saved[i]));
        }
        if (!last) {
            System.arraycopy(outputGradient, 0, graphs.dx[to], 0, graphs.dx[to].length);
        }
        if (backwardPlan == null) {
            backwardPlan = backend.plan(graphs.stageBackward(from, to));
        }
        backwardPlan.execute();
        return first ? null : graphs.dx[from].clone();
    }

    /** The arrays a micro-batch's backward needs from its forward, in a fixed order. */
    private List<Object> kept() {
        List<Object> k = new ArrayList<>();
        for (int i = from; i < to; i++) {
            k.add(graphs.x[i]);
            graphs.blocks.get(i).saved().forEach(s -> k.add(s.array()));
        }
        if (first) {
            k.add(graphs.tokens);
        }
        if (last) {
            k.add(graphs.dx[to]);
        }
        return k;
    }

    private static Object cloneArray(Object a) {
        return a instanceof float[] f ? f.clone() : ((int[]) a).clone();
    }

    /** The gradients of this stage's own tensors but a tied {@code wte} (summed across stages in {@link #shared}). */
    private List<float[]> ownGradients() {
        List<float[]> g = new ArrayList<>();
        for (Parameter p : own) {
            if (!(tied && p.name().equals(GptWeights.WTE))) {
                g.add(p.grad());
            }
        }
        return g;
    }

    @Override
    public float[] share() {
        List<float[]> grads = ownGradients();
        grads.forEach(g -> MicroBatches.mean(g, microBatches));
        float[] partials = new float[MicroBatches.slots(grads)];
        MicroBatches.partials(grads, partials, 0);
        List<float[]> parts = new ArrayList<>();
        if (tied && first) {
            parts.add(params.get(GptWeights.WTE).grad());
        }
        if (tied && last) {
            parts.add(graphs.tiedHeadGrad);
        }
        parts.add(partials);
        return LocalPipeline.concat(parts.toArray(float[][]::new));
    }

    @Override
    public void shared(float[][] shares) {
        List<float[]> partials = new ArrayList<>();
        int v = tied ? params.get(GptWeights.WTE).value().length : 0;
        if (tied) {
            float[] wte = java.util.Arrays.copyOfRange(shares[0], 0, v);
            int headAt = stages == 1 ? v : 0;
            MicroBatches.tie(java.util.Arrays.copyOfRange(shares[stages - 1], headAt, headAt + v), wte);
            MicroBatches.mean(wte, microBatches);
            if (first || last) {
                System.arraycopy(wte, 0, params.get(GptWeights.WTE).grad(), 0, v);
            }
            float[] p = new float[MicroBatches.slots(List.of(wte))];
            MicroBatches.partials(List.of(wte), p, 0);
            partials.add(p);
        }
        for (int s = 0; s < stages; s++) {
            int skip = tied ? (s == 0 ? v : 0) + (s == stages - 1 ? v : 0) : 0;
            partials.add(java.util.Arrays.copyOfRange(shares[s], skip, shares[s].length));
        }
        float[] all = LocalPipeline.concat(partials.toArray(float[][]::new));
        MicroBatches.coefficient(all, graphs.norm, graphs.maxNorm());
        if (!Double.isFinite(graphs.norm[GradClip.TOTAL])) {
            throw new NonFiniteLossException(step + 1, Double.NaN, graphs.norm[GradClip.TOTAL]);
        }
    }

    @Override
    public void step() {
        long t = step + 1;
        AdamW.schedule(graphs.schedule, options.learningRate(step), options.beta1(), options.beta2(), t);
        if (updatePlan == null) {
            updatePlan = backend.plan(graphs.updateGraphs(updated, options.weightDecay(), options.beta1(),
                    options.beta2(), options.eps()));
        }
        updatePlan.execute();
        step = t;
    }

    @Override
    public long savedBytes() {
        long bytes = 0;
        for (Object[] arrays : stash.values()) {
            for (Object a : arrays) {
                bytes += 4L * java.lang.reflect.Array.getLength(a);
            }
        }
        return bytes;
    }

    @Override
    public float[] parameters() {
        int n = own.stream().mapToInt(p -> p.value().length).sum();
        float[] all = new float[n];
        int at = 0;
        for (Parameter p : own) {
            System.arraycopy(p.value(), 0, all, at, p.value().length);
            at += p.value().length;
        }
        return all;
    }

    /** This stage's own tensors by name, in model order (the tied {@code wte}: the first stage's), for checkpoints. */
    public Map<String, float[]> tensors() {
        Map<String, float[]> m = new LinkedHashMap<>();
        own.forEach(p -> m.put(p.name(), p.value()));
        return m;
    }

    /** AdamW's state of this stage's own tensors. */
    public OptimizerState optimizerState() {
        Map<String, float[]> m = new LinkedHashMap<>();
        Map<String, float[]> v = new LinkedHashMap<>();
        for (Parameter p : own) {
            m.put(p.name(), p.m().clone());
            v.put(p.name(), p.v().clone());
        }
        return new OptimizerState(step, m, v);
    }

    /**
     * Restores AdamW's state of the tensors this stage updates (its own, and the last stage's copy of a tied
     * {@code wte}) from a whole model's state ({@link GptTrainer#optimizerState} or every stage's, merged).
     *
     * @throws IllegalArgumentException naming the tensor whose moments are missing or of the wrong length
     */
    public void restore(OptimizerState state) {
        if (state.step() < 0) {
            throw new IllegalArgumentException("optimizer state: step must be >= 0, got " + state.step());
        }
        for (Parameter p : updated) {
            for (int k = 0; k < 2; k++) {
                float[] from = (k == 0 ? state.expAvg() : state.expAvgSq()).get(p.name());
                float[] into = k == 0 ? p.m() : p.v();
                if (from == null || from.length != into.length) {
                    throw new IllegalArgumentException("optimizer state: " + (k == 0 ? "exp_avg" : "exp_avg_sq")
                            + " of '" + p.name() + "' must have " + into.length + " values, "
                            + (from == null ? "missing" : "got " + from.length));
                }
                System.arraycopy(from, 0, into, 0, into.length);
            }
        }
        step = state.step();
    }

    /** The last step's global gradient norm before clipping (after {@link #shared}). */
    public double gradNorm() {
        return graphs.norm[GradClip.TOTAL];
    }

    /** Updates done so far. */
    public long stepCount() {
        return step;
    }

    /** Frees the plans' device resources (the backend stays open). */
    @Override
    public void close() {
        for (ExecutionPlan p : new ExecutionPlan[] {forwardPlan, backwardPlan, updatePlan}) {
            if (p instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception e) {
                    throw new IllegalStateException("could not free a stage's plan: " + e, e);
                }
            }
        }
        forwardPlan = backwardPlan = updatePlan = null;
    }
}

package dev.squall.engine.train;

import dev.squall.engine.graph.Backend;
import dev.squall.engine.graph.ExecutionPlan;
import dev.squall.engine.graph.GraphMemory;
import dev.squall.engine.graph.Profile;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.io.NdArray;
import dev.squall.engine.layers.GemmTilesPreference;
import dev.squall.engine.memory.ActivationCodec;
import dev.squall.engine.model.GptConfig;
import dev.squall.engine.model.GptWeights;
import dev.squall.tasks.optim.AdamW;
import dev.squall.tasks.optim.GradClip;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Trains a nanoGPT-form GPT ({@link GptWeights}) on batches of {@code B} sequences of {@code T} tokens: each
 * {@link #step} runs the forward (saving activations), the cross-entropy loss, the backward, global-norm clipping
 * and AdamW as task graphs on the given backend (see {@code docs/training.md} for the layout of a step). The weights
 * are trained in place: {@link #weights()} is the object given, its arrays updated by every step.
 *
 * <p>A batch is {@code int32 [B, T+1]} row-major, as nanoGPT's data loader makes it: inputs {@code X[:, :-1]},
 * targets {@code X[:, 1:]}; a target of −1 takes no part in the loss. Results are bit-identical for any thread count
 * of the JVM backend, and from the same weights, options and batches.
 *
 * <pre>{@code
 * try (Backend backend = new JvmBackend();
 *      GptTrainer trainer = new GptTrainer(GptWeights.random(config, 1), TrainOptions.defaults(2000), backend, 12, 64)) {
 *     for (int k = 0; k < 2000; k++) {
 *         StepResult r = trainer.step(nextBatch());       // int[12 * 65]
 *     }
 * }
 * }</pre>
 */
public final class GptTrainer implements AutoCloseable {
    private final GptWeights weights;
    private final TrainOptions options;
    private final Backend backend;
    private final Layout layout;
    private final Parameters params;
    private final StepGraphs graphs;
    private ExecutionPlan gradientPlan;
    private ExecutionPlan updatePlan;
    private ExecutionPlan evaluationPlan;
    private ExecutionPlan microBatchPlan;
    private long step;
    private Distill distill;
    private final List<Profile> lastProfiles = new ArrayList<>();
    private final int microBatches;

    /**
     * A trainer of {@code weights} (trained in place) for batches of {@code batch} sequences of {@code length}
     * tokens ({@code length ≤ block_size}), running on {@code backend} (the caller's; not closed here).
     *
     * @throws IllegalArgumentException naming the argument when a size is out of range, the config asks for dropout
     *                                  (not implemented) or an array of the step would exceed a Java array
     */
    public GptTrainer(GptWeights weights, TrainOptions options, Backend backend, int batch, int length) {
        this(weights, options, backend, batch, length, 1);
    }

    /**
     * A trainer whose steps split each batch of {@code batch} sequences into {@code microBatches} equal micro-batches
     * of {@code batch / microBatches} rows: their gradients are summed in micro-batch order, then (once per step) the
     * tied head's part is added to the embedding's, the sum divided by {@code microBatches}, clipped and applied in
     * one AdamW update; the step's loss is the mean of the micro-batches' losses. A pipeline of {@link GptStage}s with
     * the same micro-batches gives the same bits.
     *
     * @throws IllegalArgumentException naming {@code microBatches} when it is below 1 or does not divide {@code batch}
     */
    public GptTrainer(GptWeights weights, TrainOptions options, Backend backend, int batch, int length,
                      int microBatches) {
        this(weights, options, Recompute.NONE, ActivationCodec.NONE, backend, microRows(batch, microBatches), length,
                microBatches);
    }

    /**
     * A trainer as {@link #GptTrainer(GptWeights, TrainOptions, Backend, int, int)} whose blocks recompute in the
     * backward what {@code recompute} does not keep (activation recomputation; same gradients and weights, bit for
     * bit, less memory between the forward and the backward: {@link #memory}).
     */
    public GptTrainer(GptWeights weights, TrainOptions options, Recompute recompute, Backend backend, int batch,
                      int length) {
        this(weights, options, recompute, ActivationCodec.NONE, backend, batch, length);
    }

    /**
     * A trainer as {@link #GptTrainer(GptWeights, TrainOptions, Recompute, Backend, int, int)} that stores the
     * activations it keeps of the compressible kinds (docs/training-memory.md) through {@code codec} (activation
     * compression: approximate gradients, stochastic rounding seeded from the run seed and the step).
     */
    public GptTrainer(GptWeights weights, TrainOptions options, Recompute recompute, ActivationCodec codec,
                      Backend backend, int batch, int length) {
        this(weights, options, recompute, codec, backend, batch, length, 1);
    }

    private static int microRows(int batch, int microBatches) {
        if (batch < 1) {
            return batch;
        }
        if (microBatches < 1 || batch % microBatches != 0) {
            throw new IllegalArgumentException("micro-batches must be >= 1 and divide the batch size " + batch
                    + ", got " + microBatches);
        }
        return batch / microBatches;
    }

    /** The trainer of {@code microBatches} micro-batches of {@code batch} rows each. */
    private GptTrainer(GptWeights weights, TrainOptions options, Recompute recompute, ActivationCodec codec,
                       Backend backend, int batch, int length, int microBatches) {
        this.microBatches = microBatches;
        if (weights == null || options == null || backend == null || recompute == null || codec == null) {
            throw new IllegalArgumentException("weights, options, recompute, codec and backend must be given");
        }
        GptConfig config = weights.config();
        if (batch < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batch);
        }
        if (length < 1 || length > config.blockSize()) {
            throw new IllegalArgumentException("sequence length T must be in [1, block_size = " + config.blockSize()
                    + "] (batches are [B, T+1] with T+1 <= block_size+1), got T = " + length);
        }
        if (config.dropout() != 0) {
            throw new IllegalArgumentException("dropout " + config.dropout() + " is not implemented in training; set"
                    + " \"dropout\": 0.0 in the config");
        }
        long rows = (long) batch * length;
        long widest = Math.max(Math.max(config.vocabSize(), 4L * config.nEmbd()),
                options.attention() == TrainOptions.Attention.UNFUSED ? (long) config.nHead() * length : 0);
        if (rows * widest > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("batch " + batch + " × length " + length + " is too large: an array of "
                    + rows + " × " + widest + " floats would exceed a Java array (2^31 elements)");
        }
        this.weights = weights;
        this.options = options;
        this.backend = backend;
        this.layout = new Layout(config, batch, length, options.attention(), GemmTilesPreference.of(backend),
                Layout.TRANS_A);
        this.params = new Parameters(weights);
        this.graphs = new StepGraphs(layout, params, options.gradClip(), recompute, codec);
    }

    /**
     * One training step on {@code batch} ({@code int32 [B, T+1]}, row-major): the loss and gradients, clipping, and
     * one AdamW update at the scheduled learning rate.
     *
     * @return the batch's loss before the update, the learning rate used, the gradient norm before clipping
     * @throws IllegalArgumentException when the batch is malformed ({@link #checkBatch})
     * @throws NonFiniteLossException   when the loss or the gradient norm is not finite; nothing was updated
     */
    public StepResult step(int[] batch) {
        double loss = microBatches > 1 ? runMicroBatches(batch) : runGradients(batch);
        double norm = graphs.norm[GradClip.TOTAL];
        long t = step + 1;
        if (!Double.isFinite(loss) || !Double.isFinite(norm)) {
            throw new NonFiniteLossException(t, loss, norm);
        }
        double lr = options.learningRate(step);
        AdamW.schedule(graphs.schedule, lr, options.beta1(), options.beta2(), t);
        if (updatePlan == null) {
            updatePlan = backend.plan(graphs.updateGraphs(options.weightDecay(), options.beta1(), options.beta2(),
                    options.eps()));
        }
        lastProfiles.add(updatePlan.execute());
        step = t;
        return new StepResult(t, loss, lr, norm);
    }

    /** The mean loss of {@code batch} under the current weights, without gradients or update (evaluation). */
    public double loss(int[] batch) {
        if (microBatches > 1) {
            checkBatch(batch);
            if (evaluationPlan == null) {
                evaluationPlan = backend.plan(graphs.evaluationGraphs());
            }
            return MicroBatches.meanLoss(eachMicroBatch(batch, evaluationPlan));
        }
        load(batch);
        if (graphs.prepBn()) {
            graphs.lambda[0] = layout.config().prepbnLambda(step);
        }
        if (evaluationPlan == null) {
            evaluationPlan = backend.plan(graphs.evaluationGraphs());
        }
        lastProfiles.clear();
        lastProfiles.add(evaluationPlan.execute());
        return graphs.loss[0];
    }

    /** The loss of {@code batch} and the gradient of every parameter (unclipped); nothing is updated. */
    public Gradients gradients(int[] batch) {
        double loss = microBatches > 1 ? runMicroBatches(batch) : runGradients(batch);
        Map<String, NdArray> g = new LinkedHashMap<>();
        for (Parameter p : params.all()) {
            g.put(p.name(), NdArray.of(p.grad().clone(), p.shape()));
        }
        return new Gradients(loss, Collections.unmodifiableMap(g));
    }

    private double runGradients(int[] batch) {
        load(batch);
        graphs.reseed(options.seed(), step);
        graphs.zeroGradients();
        float[][] running = warmUpRunning();
        if (distill != null) {
            teach();
        }
        if (gradientPlan == null) {
            gradientPlan = backend.plan(graphs.gradientGraphs());
        }
        lastProfiles.clear();
        lastProfiles.add(gradientPlan.execute());
        if (running != null) {
            restoreRunning(running);
        }
        return graphs.trainingLoss();
    }

    /**
     * PRepBN: sets the step's λ ({@link GptConfig#prepbnLambda} of the updates done so far); during the warm-up
     * (λ = 1, the LayerNorm alone) returns a copy of the running statistics, which the step must leave as they were
     * (SLAB runs no BatchNorm then), else null.
     */
    private float[][] warmUpRunning() {
        if (!graphs.prepBn()) {
            return null;
        }
        graphs.lambda[0] = layout.config().prepbnLambda(step);
        if (graphs.lambda[0] != 1f) {
            return null;
        }
        List<float[]> buffers = runningBuffers();
        float[][] copy = new float[buffers.size()][];
        for (int i = 0; i < copy.length; i++) {
            copy[i] = buffers.get(i).clone();
        }
        return copy;
    }

    private void restoreRunning(float[][] copy) {
        List<float[]> buffers = runningBuffers();
        for (int i = 0; i < copy.length; i++) {
            System.arraycopy(copy[i], 0, buffers.get(i), 0, copy[i].length);
        }
    }

    private List<float[]> runningBuffers() {
        List<float[]> b = new ArrayList<>();
        weights.tensors().forEach((name, t) -> {
            if (Parameters.isBuffer(name)) {
                b.add((float[]) t.data());
            }
        });
        return b;
    }

    /**
     * Trains with knowledge distillation from now on: {@link #step} and {@link #gradients} minimise
     * {@code alpha·τ²·KL(teacher ‖ student) + (1 − alpha)·CE}, the teacher's logits computed per batch;
     * {@link #loss} stays the cross-entropy. Call before the first {@link #step} or {@link #gradients}.
     *
     * @throws IllegalArgumentException when the teacher's vocabulary differs from the student's
     * @throws IllegalStateException    when a gradient has already been computed
     */
    public GptTrainer distill(Distill d) {
        if (gradientPlan != null || distill != null) {
            throw new IllegalStateException("distill must be set once, before the first step");
        }
        int v = layout.config().vocabSize();
        if (d.teacher().vocabSize() != v) {
            throw new IllegalArgumentException("the teacher's vocab_size " + d.teacher().vocabSize()
                    + " differs from the student's " + v + " (they must share the vocabulary)");
        }
        distill = d;
        graphs.distill(d);
        return this;
    }

    /** The distillation term of the last {@link #step} or {@link #gradients} (NaN without distillation). */
    public double lastDistillationLoss() {
        return distill == null ? Double.NaN : graphs.kdLoss[0];
    }

    /** The cross-entropy of the last {@link #step} or {@link #gradients}. */
    public double lastCrossEntropy() {
        return graphs.loss[0];
    }

    /** Runs {@code plan} on each micro-batch of {@code batch} in order; their losses. */
    private float[] eachMicroBatch(int[] batch, ExecutionPlan plan) {
        lastProfiles.clear();
        float[] losses = new float[microBatches];
        for (int m = 0; m < microBatches; m++) {
            MicroBatches.load(batch, m, layout.batch(), layout.length(), graphs.tokens, graphs.targets);
            lastProfiles.add(plan.execute());
            losses[m] = graphs.loss[0];
        }
        return losses;
    }

    /** Every micro-batch's gradient plan in order, then the host's once-per-step part ({@link MicroBatches}). */
    private double runMicroBatches(int[] batch) {
        checkBatch(batch);
        graphs.zeroGradients();
        if (microBatchPlan == null) {
            microBatchPlan = backend.plan(graphs.microBatchGraphs());
        }
        float[] losses = eachMicroBatch(batch, microBatchPlan);
        if (graphs.tiedHeadGrad != null) {
            MicroBatches.tie(graphs.tiedHeadGrad, params.get(GptWeights.WTE).grad());
        }
        List<float[]> grads = params.all().stream().map(Parameter::grad).toList();
        grads.forEach(g -> MicroBatches.mean(g, microBatches));
        float[] partials = new float[MicroBatches.slots(grads)];
        MicroBatches.partials(grads, partials, 0);
        MicroBatches.coefficient(partials, graphs.norm, graphs.maxNorm());
        return MicroBatches.meanLoss(losses);
    }

    /** The teacher's logits of the loaded inputs, into the graphs' array (consumed by this step only). */
    private void teach() {
        float[] t = distill.teacher().logits(graphs.tokens, layout.batch(), layout.length());
        if (t.length != graphs.teacherLogits.length) {
            throw new IllegalArgumentException("the teacher returned " + t.length + " logits, expected "
                    + graphs.teacherLogits.length + " ([B·T, V])");
        }
        System.arraycopy(t, 0, graphs.teacherLogits, 0, t.length);
    }

    /**
     * The profiles (per task: time, bytes, which implementation ran) of the plans the last {@link #step},
     * {@link #loss} or {@link #gradients} ran, in order.
     */
    public List<Profile> lastProfiles() {
        return List.copyOf(lastProfiles);
    }

    /** The weights being trained (the object given to the constructor, updated in place). */
    public GptWeights weights() {
        return weights;
    }

    /** The options. */
    public TrainOptions options() {
        return options;
    }

    /** Updates done so far (0 before the first {@link #step}). */
    public long stepCount() {
        return step;
    }

    /** A copy of AdamW's state (moments and step count), for a checkpoint. */
    public OptimizerState optimizerState() {
        Map<String, float[]> m = new LinkedHashMap<>();
        Map<String, float[]> v = new LinkedHashMap<>();
        for (Parameter p : params.all()) {
            m.put(p.name(), p.m().clone());
            v.put(p.name(), p.v().clone());
        }
        return new OptimizerState(step, m, v);
    }

    /**
     * Restores AdamW's state from a checkpoint (with the weights it was saved with, already in {@link #weights()}),
     * so that the following steps are those of the run that saved it, bit for bit.
     *
     * @throws IllegalArgumentException naming the parameter whose moments are missing, extra or of the wrong length
     */
    public void restore(OptimizerState state) {
        List<String> names = params.all().stream().map(Parameter::name).toList();
        for (Map<String, float[]> moments : List.of(state.expAvg(), state.expAvgSq())) {
            for (String k : moments.keySet()) {
                if (!names.contains(k)) {
                    throw new IllegalArgumentException("optimizer state has moments of '" + k
                            + "', which this model does not have");
                }
            }
        }
        if (state.step() < 0) {
            throw new IllegalArgumentException("optimizer state: step must be >= 0, got " + state.step());
        }
        for (Parameter p : params.all()) {
            copy(state.expAvg().get(p.name()), p.m(), p.name(), "exp_avg");
            copy(state.expAvgSq().get(p.name()), p.v(), p.name(), "exp_avg_sq");
        }
        step = state.step();
    }

    private static void copy(float[] from, float[] to, String name, String what) {
        if (from == null || from.length != to.length) {
            throw new IllegalArgumentException("optimizer state: " + what + " of '" + name + "' must have " + to.length
                    + " values, " + (from == null ? "missing" : "got " + from.length));
        }
        System.arraycopy(from, 0, to, 0, to.length);
    }

    /**
     * Bytes of the compressed saved activations of a step: {@code [stored, as fp32]} (both 0 without compression).
     */
    public long[] compressedBytes() {
        return graphs.compressedBytes();
    }

    /**
     * The step's memory at its peak, by label: {@code weights}, {@code gradients}, {@code optimizer} (AdamW's
     * moments), {@code saved/<kind>} (activations the forward keeps for the backward), {@code batch} and
     * {@code workspace} (everything else), from the graphs of a step ({@link GraphMemory#breakdown}).
     */
    public GraphMemory.Breakdown memory() {
        List<TaskGraph> all = new ArrayList<>(graphs.gradientGraphs());
        all.addAll(graphs.updateGraphs(options.weightDecay(), options.beta1(), options.beta2(), options.eps()));
        Set<Object> resident = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Parameter p : params.all()) {
            resident.addAll(List.of(p.value(), p.grad(), p.m(), p.v()));
        }
        if (graphs.tiedHeadGrad != null) {
            resident.add(graphs.tiedHeadGrad);
        }
        return GraphMemory.breakdown(all, resident);
    }

    /**
     * Checks {@code batch} against this trainer's shape and vocabulary: {@code B·(T+1)} tokens, inputs in
     * {@code [0, vocab_size)}, and −1 (an ignored target) only in the last column, the one that is no input.
     *
     * @throws IllegalArgumentException naming {@code batch} and the first offending position
     */
    public void checkBatch(int[] batch) {
        int b = layout.batch() * microBatches;
        int t = layout.length();
        int v = layout.config().vocabSize();
        if (batch == null || batch.length != b * (t + 1)) {
            throw new IllegalArgumentException("batch must hold B·(T+1) = " + b + "·" + (t + 1) + " = " + b * (t + 1)
                    + " tokens (int32 [B, T+1], row-major), got " + (batch == null ? "null" : batch.length));
        }
        for (int s = 0; s < b; s++) {
            for (int j = 0; j <= t; j++) {
                int id = batch[s * (t + 1) + j];
                if (id == -1 && j < t) {
                    throw new IllegalArgumentException("batch[" + s + ", " + j + "] = -1: -1 marks an ignored target and"
                            + " is allowed only in the last column (batch[:, " + t + "]); the other columns are inputs");
                }
                if ((id < 0 || id >= v) && id != -1) {
                    throw new IllegalArgumentException("batch[" + s + ", " + j + "] = " + id + " is not a token:"
                            + " vocab_size is " + v);
                }
            }
        }
    }

    private void load(int[] batch) {
        checkBatch(batch);
        int t = layout.length();
        for (int s = 0; s < layout.batch(); s++) {
            System.arraycopy(batch, s * (t + 1), graphs.tokens, s * t, t);
            System.arraycopy(batch, s * (t + 1) + 1, graphs.targets, s * t, t);
        }
    }

    /** Frees the plans' device resources (the backend stays open). */
    @Override
    public void close() {
        for (ExecutionPlan p : new ExecutionPlan[] {gradientPlan, updatePlan, evaluationPlan, microBatchPlan}) {
            if (p instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception e) {
                    throw new IllegalStateException("could not free a training plan: " + e, e);
                }
            }
        }
        gradientPlan = updatePlan = evaluationPlan = microBatchPlan = null;
    }
}

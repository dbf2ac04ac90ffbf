package dev.squall.engine.train;

import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.memory.ActivationCodec;
import dev.squall.engine.model.GptWeights;
import dev.squall.engine.model.NormKind;
import dev.squall.tasks.activation.Activations;
import dev.squall.tasks.elementwise.Elementwise;
import dev.squall.tasks.embedding.Embeddings;
import dev.squall.tasks.gemm.Gemm;
import dev.squall.tasks.norm.Norms;
import dev.squall.tasks.optim.AdamW;
import dev.squall.tasks.optim.GradClip;
import dev.squall.tasks.softmax.CrossEntropy;
import dev.squall.tasks.softmax.Distillation;

import java.util.ArrayList;
import java.util.List;

/**
 * The graphs of a training step, built per part: token + position embedding, each block's
 * forward ({@link BlockGraphs}), the head (ln_f, tied or untied output layer, cross-entropy and their backward),
 * each block's backward in reverse order, the embeddings' backward, the global gradient norm; then the optimizer
 * (clipping and AdamW). Between the parts the residual stream and its gradient travel in explicit arrays
 * ({@link #x}, {@link #dx}: one per block boundary).
 *
 * <p>The host holds the parameters, gradients and optimizer moments between graphs: each graph brings the
 * parameters and gradients it reads on every execution and sends back those it changed (on the JVM backend this
 * costs nothing; a device backend copies them). Kept on the device instead (zeroed by a first graph, persisted
 * and consumed from graph to graph, sent to the host by the last), every gradient came back from TornadoVM 5.2 as
 * zeros (measured with {@code TrainingOnTornadoTest}), while the activations passed that way were right. So the three
 * plans ({@link #gradientGraphs}, {@link #updateGraphs}, {@link #evaluationGraphs}) can run in any order on a device
 * backend too. Within a plan, arrays pass from graph to graph on the device (persist / consume).
 */
final class StepGraphs {
    /** Elements per chunk of the optimizer and norm kernels (fixed: the norm's partial sums depend on it). */
    static final int CHUNK = 4096;
    /** The memory label of the arrays of a step's shape (sequence starts, positions, an empty mask, a zero bias). */
    static final String CONSTANTS = "constants";

    final Layout layout;
    final Parameters params;
    final List<BlockGraphs> blocks = new ArrayList<>();
    /** The blocks as the gradient plan's forward runs them (with recomputation, writing what is not kept to scratch). */
    private final List<BlockGraphs> trainingForwards = new ArrayList<>();
    final int[] tokens;
    final int[] targets;
    final int[] positions;
    final float[][] x;
    final float[][] dx;
    final float[] loss = new float[1];
    final float[] norm = new float[2];
    final float[] schedule = new float[AdamW.SCHEDULE];
    private final int[] count = new int[1];
    private final float[] losses;
    private final float[] lnf;
    private final float[] logits;
    private final float[] dLogits;
    private final float[] dLnf;
    private final float[] stats;
    private final float[] noBias;
    private final float[] partials;
    private final int[] tokenOffsets;
    private final int[] tokenOrder;
    private final int[] positionOffsets;
    private final int[] positionOrder;
    private final BlockGraphs.Workspace workspace;
    private final Parameter lnfGamma;
    private final Parameter lnfBeta;
    private final float maxNorm;
    private final boolean clipping;
    /**
     * The tied head's part of {@code wte}'s gradient, kept apart from the embedding's part and added to it once per
     * step ({@link #tie}), so that a pipeline whose first stage holds the embedding and last stage the head adds
     * the same two sums; null when the head is untied.
     */
    final float[] tiedHeadGrad;
    private Distill distill;
    /** The step's λ of the PRepBN mixture ({@code "norm": "prepbn"}), set on the host before each plan runs. */
    final float[] lambda = {1f};
    /** {@code ln_f} of a PRepBN model (else null), and its backward's scratch. */
    private final PrepBnNorm lnfNorm;
    private final float[] lnfShare;
    /** The teacher's logits of the batch ({@code [B·T, V]}), filled by the caller before each gradient plan. */
    float[] teacherLogits;
    private float[] kdLosses;
    /** The mean distillation term of the last gradient plan (with {@link #distill}). */
    final float[] kdLoss = new float[1];

    StepGraphs(Layout layout, Parameters params, double gradClip) {
        this(layout, params, gradClip, Recompute.NONE);
    }

    /** The graphs of a step whose blocks recompute in their backward what {@code recompute} does not keep. */
    StepGraphs(Layout layout, Parameters params, double gradClip, Recompute recompute) {
        this(layout, params, gradClip, recompute, ActivationCodec.NONE);
    }

    /** As {@link #StepGraphs(Layout, Parameters, double, Recompute)}, storing kept activations through {@code codec}. */
    StepGraphs(Layout layout, Parameters params, double gradClip, Recompute recompute, ActivationCodec codec) {
        this.layout = layout;
        this.params = params;
        var config = layout.config();
        int rows = layout.rows();
        int c = layout.c();
        int v = config.vocabSize();
        this.tokens = new int[rows];
        this.targets = new int[rows];
        this.positions = new int[rows];
        for (int r = 0; r < rows; r++) {
            positions[r] = r % layout.length();
        }
        this.x = new float[config.nLayer() + 1][];
        this.dx = new float[config.nLayer() + 1][];
        for (int i = 0; i <= config.nLayer(); i++) {
            x[i] = layout.rowsOf(c);
            dx[i] = layout.rowsOf(c);
        }
        for (int i = 0; i < config.nLayer(); i++) {
            blocks.add(new BlockGraphs(layout, params, i, recompute, codec, prepBn(config) ? lambda : null));
        }
        BlockGraphs scratch = recompute == Recompute.NONE && !codec.compresses() ? null : new BlockGraphs(layout, params, 0);
        for (BlockGraphs b : blocks) {
            trainingForwards.add(scratch == null ? b : new BlockGraphs(b, scratch));
        }
        this.workspace = new BlockGraphs.Workspace(layout);
        this.losses = new float[rows];
        this.lnf = layout.rowsOf(c);
        this.logits = layout.rowsOf(v);
        this.dLogits = layout.rowsOf(v);
        this.dLnf = layout.rowsOf(c);
        this.stats = layout.rowsOf(Norms.STATS);
        this.noBias = new float[v];
        this.partials = new float[params.all().stream().mapToInt(p -> GradClip.chunks(p.value().length, CHUNK)).sum()];
        this.tokenOffsets = new int[v + 1];
        this.tokenOrder = new int[rows];
        this.positionOffsets = new int[config.blockSize() + 1];
        this.positionOrder = new int[rows];
        this.lnfGamma = params.get("transformer.ln_f.weight");
        this.lnfBeta = params.vector("transformer.ln_f.bias", c);
        this.lnfNorm = prepBn(config) ? new PrepBnNorm(layout, params, GptWeights.LN_F, "ln_f", lambda, lnfGamma,
                lnfBeta) : null;
        this.lnfShare = prepBn(config) ? layout.rowsOf(c) : null;
        this.clipping = gradClip > 0;
        this.maxNorm = clipping ? (float) gradClip : Float.MAX_VALUE;
        this.tiedHeadGrad = params.has(GptWeights.LM_HEAD) ? null : new float[params.get(GptWeights.WTE).value().length];
    }

    private static boolean prepBn(dev.squall.engine.model.GptConfig config) {
        return config.norm() == NormKind.PREPBN;
    }

    /** Whether the norms are PRepBN (their running statistics and λ matter to a step). */
    boolean prepBn() {
        return lnfNorm != null;
    }

    /**
     * Forward, loss and backward, ending with the gradients and their global norm on the host (unclipped). The
     * gradients must be zeroed on the host before ({@link #zeroGradients}): every backward graph adds to them.
     */
    List<TaskGraph> gradientGraphs() {
        List<TaskGraph> graphs = new ArrayList<>();
        graphs.add(embedding());
        for (int i = 0; i < blocks.size(); i++) {
            TaskGraph forward = trainingForwards.get(i).forward(x[i], x[i + 1], true);
            forward.label("saved/residual", x[i]); // each block's input is kept for its backward
            graphs.add(forward);
        }
        graphs.add(head(true));
        for (int i = blocks.size() - 1; i >= 0; i--) {
            graphs.add(blocks.get(i).backward(x[i], dx[i + 1], dx[i], workspace));
        }
        graphs.add(embeddingBackward());
        if (tiedHeadGrad != null) {
            graphs.add(tie());
        }
        graphs.add(gradientNorm());
        return graphs;
    }

    /**
     * One micro-batch's forward, loss and backward: {@link #gradientGraphs} without the tied head's sum and the
     * norm, which follow once after the last micro-batch ({@link MicroBatches}).
     */
    List<TaskGraph> microBatchGraphs() {
        List<TaskGraph> graphs = new ArrayList<>(gradientGraphs());
        graphs.remove(graphs.size() - 1);
        if (tiedHeadGrad != null) {
            graphs.remove(graphs.size() - 1);
        }
        return graphs;
    }

    /**
     * A pipeline stage's forward over blocks {@code [from, to)}: the embedding first when {@code from == 0}; the head
     * with the loss and its backward into {@code dx[L]} last when {@code to == L}.
     */
    List<TaskGraph> stageForward(int from, int to) {
        List<TaskGraph> graphs = new ArrayList<>();
        if (from == 0) {
            graphs.add(embedding());
        } else {
            graphs.add(stageInput("stage.input", x[from]));
        }
        for (int i = from; i < to; i++) {
            graphs.add(blocks.get(i).forward(x[i], x[i + 1], true));
        }
        if (to == blocks.size()) {
            graphs.add(head(true));
        }
        return graphs;
    }

    /** A pipeline stage's backward over blocks {@code [from, to)}, from {@code dx[to]}; the embeddings' last when {@code from == 0}. */
    List<TaskGraph> stageBackward(int from, int to) {
        List<TaskGraph> graphs = new ArrayList<>();
        List<Object> kept = new ArrayList<>(List.of(dx[to]));
        for (int i = from; i < to; i++) {
            kept.add(x[i]);
            blocks.get(i).saved().forEach(s -> kept.add(s.array()));
        }
        graphs.add(stageInput("stage.saved", kept.toArray()));
        for (int i = to - 1; i >= from; i--) {
            graphs.add(blocks.get(i).backward(x[i], dx[i + 1], dx[i], workspace));
        }
        if (from == 0) {
            graphs.add(embeddingBackward());
        }
        return graphs;
    }

    /** A stage's arrays from the host (its input, or a micro-batch's saved arrays), for the graphs that follow. */
    private static TaskGraph stageInput(String name, Object... arrays) {
        TaskGraph g = new TaskGraph(name);
        g.transferToDevice(DataTransferMode.EVERY_EXECUTION, arrays);
        g.persistOnDevice(arrays);
        return g;
    }

    /** {@code wte.grad += tiedHeadGrad}: the embedding's part plus the head's, once per step. */
    private TaskGraph tie() {
        Parameter wte = params.get(GptWeights.WTE);
        TaskGraph g = new TaskGraph("tie");
        g.transferToDevice(DataTransferMode.EVERY_EXECUTION, tiedHeadGrad, wte.grad());
        g.task("tie.wte", layout.config().vocabSize(), Elementwise::accumulate, tiedHeadGrad, wte.grad(), layout.c());
        g.transferToHost(DataTransferMode.EVERY_EXECUTION, wte.grad());
        g.label("gradients", tiedHeadGrad);
        return g;
    }

    /** The forward and the loss only. */
    List<TaskGraph> evaluationGraphs() {
        List<TaskGraph> graphs = new ArrayList<>();
        graphs.add(embedding());
        for (int i = 0; i < blocks.size(); i++) {
            graphs.add(blocks.get(i).forward(x[i], x[i + 1], false));
        }
        graphs.add(head(false));
        return graphs;
    }

    /** Clipping (by the coefficient {@link #gradientGraphs} left in {@link #norm}) and AdamW, one graph. */
    List<TaskGraph> updateGraphs(double weightDecay, double beta1, double beta2, double eps) {
        return updateGraphs(params.all(), weightDecay, beta1, beta2, eps);
    }

    /** {@link #updateGraphs(double, double, double, double)} over the parameters {@code all} only (a pipeline stage's). */
    List<TaskGraph> updateGraphs(List<Parameter> all, double weightDecay, double beta1, double beta2, double eps) {
        TaskGraph g = new TaskGraph("optimizer");
        for (Parameter p : all) {
            g.transferToDevice(DataTransferMode.EVERY_EXECUTION, p.grad(), p.value(), p.m(), p.v());
        }
        g.transferToDevice(DataTransferMode.EVERY_EXECUTION, norm, schedule);
        for (Parameter p : all) {
            int chunks = GradClip.chunks(p.value().length, CHUNK);
            if (clipping) {
                g.task("clip." + p.name(), chunks, GradClip::scaleGradients, p.grad(), norm, p.value().length, CHUNK);
            }
            g.task("adamw." + p.name(), chunks, AdamW::update, p.grad(), p.value(), p.m(), p.v(), schedule,
                    (float) beta1, (float) beta2, (float) eps, p.decays() ? (float) weightDecay : 0f,
                    p.value().length, CHUNK);
            g.transferToHost(DataTransferMode.EVERY_EXECUTION, p.value(), p.m(), p.v());
        }
        labelState(g);
        return List.of(g);
    }

    /** Sets the stochastic-rounding seeds of the compressed activations for step {@code step}. */
    void reseed(long runSeed, long step) {
        blocks.forEach(b -> b.reseed(runSeed, step));
    }

    /** Bytes of the compressed activations' saved form and of the same tensors in fp32, over all blocks. */
    long[] compressedBytes() {
        long[] sum = new long[2];
        for (BlockGraphs b : blocks) {
            long[] k = b.compressedBytes();
            sum[0] += k[0];
            sum[1] += k[1];
        }
        return sum;
    }

    /** Zeroes every gradient on the host. */
    void zeroGradients() {
        params.all().forEach(p -> java.util.Arrays.fill(p.grad(), 0f));
        if (tiedHeadGrad != null) {
            java.util.Arrays.fill(tiedHeadGrad, 0f);
        }
    }

    /** The clipping limit ({@link Float#MAX_VALUE} when clipping is off). */
    float maxNorm() {
        return maxNorm;
    }

    /** Labels every parameter, gradient and moment for the memory report. */
    private void labelState(TaskGraph g) {
        for (Parameter p : params.all()) {
            g.label("weights", p.value());
            g.label("gradients", p.grad());
            g.label("optimizer", p.m(), p.v());
        }
    }

    private TaskGraph embedding() {
        Parameter wte = params.get(GptWeights.WTE);
        Parameter wpe = params.get(GptWeights.WPE);
        TaskGraph g = new TaskGraph("embed");
        g.transferToDevice(DataTransferMode.EVERY_EXECUTION, tokens, wte.value(), wpe.value());
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, positions);
        g.task("embed", layout.rows(), Embeddings::tokenPosition, tokens, positions, wte.value(), wpe.value(), x[0],
                layout.c());
        g.persistOnDevice(x[0]);
        g.label("saved/residual", x[0]);
        labelState(g);
        g.label("batch", tokens, targets);
        g.label(CONSTANTS, positions, noBias);
        return g;
    }

    /** ln_f, the output layer and the loss; with {@code backward}, also their backward into {@code dx[L]}. */
    private TaskGraph head(boolean backward) {
        int rows = layout.rows();
        int c = layout.c();
        int v = layout.config().vocabSize();
        float[] xl = x[blocks.size()];
        Parameter head = tiedHeadGrad == null ? params.head() : new Parameter(GptWeights.WTE, params.head().shape(),
                params.head().value(), tiedHeadGrad, null, null);
        var t = layout.tiles();
        TaskGraph g = new TaskGraph(backward ? "head" : "head.loss");
        g.consumeFromDevice(xl);
        g.transferToDevice(DataTransferMode.EVERY_EXECUTION, targets, lnfGamma.value(), lnfBeta.value(), head.value());
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, noBias);
        float eps = layout.config().eps();
        if (lnfNorm != null) {
            g.transferToDevice(DataTransferMode.EVERY_EXECUTION, lnfNorm.values().toArray());
            lnfNorm.forward(g, xl, lnf, backward);
        } else {
            g.task("ln_f", rows, Norms::layerNorm, xl, lnfGamma.value(), lnfBeta.value(), lnf, c, eps);
        }
        g.task("lm_head", t.bands(rows), Gemm::tiledMatmulTransB, lnf, head.value(), noBias, logits, rows, v, c, 0,
                Activations.IDENTITY, t.m(), t.n(), t.k());
        g.task("loss.count", 1, CrossEntropy::countTargets, targets, count, rows);
        g.task("loss.rows", rows, CrossEntropy::softmaxCrossEntropy, logits, targets, count, losses, dLogits, v);
        g.task("loss.mean", 1, CrossEntropy::meanLoss, losses, count, loss, rows);
        g.transferToHost(DataTransferMode.EVERY_EXECUTION, loss);
        if (backward && distill != null) {
            distillation(g);
        }
        if (backward) {
            float[] dxl = dx[blocks.size()];
            List<Object> grads = new ArrayList<>(List.of(head.grad(), lnfGamma.grad()));
            if (lnfBeta.m() != null) {
                grads.add(lnfBeta.grad());
            }
            if (lnfNorm != null) {
                grads.addAll(lnfNorm.grads());
            }
            g.transferToDevice(DataTransferMode.EVERY_EXECUTION, grads.toArray());
            new TrainLinear("lm_head", head, new Parameter("lm_head.bias", new int[] {v}, noBias, null, null, null), c, v)
                    .backward(g, layout, dLogits, lnf, dLnf);
            g.task("ln_f.clear", rows, Elementwise::fill, dxl, c, 0f);
            if (lnfNorm != null) {
                lnfNorm.backward(g, xl, dLnf, dxl, lnfShare, stats);
            } else {
                g.task("ln_f.back", rows, Norms::layerNormBackward, xl, lnfGamma.value(), dLnf, dxl, stats, c, eps);
                g.task("ln_f.params", Elementwise.columnPanels(c), Norms::layerNormParamsBackward, xl, stats, dLnf,
                        lnfGamma.grad(), lnfBeta.grad(), rows, c);
            }
            g.persistOnDevice(dxl);
            g.transferToHost(DataTransferMode.EVERY_EXECUTION, grads.toArray());
        }
        g.label("saved/logits", logits);
        return g;
    }

    /**
     * Trains with distillation (before the gradient graphs are built): the head turns {@code dLogits} (the
     * cross-entropy's) into the gradient of {@code alpha·KD + (1 − alpha)·CE} given {@link #teacherLogits}.
     */
    void distill(Distill d) {
        this.distill = d;
        this.teacherLogits = layout.rowsOf(layout.config().vocabSize());
        this.kdLosses = new float[layout.rows()];
    }

    /** The training loss of the last gradient plan: the cross-entropy, or {@code alpha·KD + (1 − alpha)·CE}. */
    double trainingLoss() {
        return distill == null ? loss[0] : (double) distill.alpha() * kdLoss[0] + (1.0 - distill.alpha()) * loss[0];
    }

    /** After the cross-entropy wrote {@code dLogits}: the distillation term and its share of the gradient. */
    private void distillation(TaskGraph g) {
        int rows = layout.rows();
        g.transferToDevice(DataTransferMode.EVERY_EXECUTION, teacherLogits);
        g.task("kd.rows", rows, Distillation::distillation, logits, teacherLogits, targets, count, kdLosses, dLogits,
                layout.config().vocabSize(), distill.temperature(), distill.alpha());
        g.task("kd.mean", 1, CrossEntropy::meanLoss, kdLosses, count, kdLoss, rows);
        g.transferToHost(DataTransferMode.EVERY_EXECUTION, kdLoss);
        g.label("batch", teacherLogits);
    }

    private TaskGraph embeddingBackward() {
        Parameter wte = params.get(GptWeights.WTE);
        Parameter wpe = params.get(GptWeights.WPE);
        int rows = layout.rows();
        int c = layout.c();
        int v = layout.config().vocabSize();
        int blockSize = layout.config().blockSize();
        TaskGraph g = new TaskGraph("embed.backward");
        g.consumeFromDevice(dx[0]);
        g.transferToDevice(DataTransferMode.EVERY_EXECUTION, tokens, wte.grad(), wpe.grad());
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, positions);
        g.task("wte.index", 1, Embeddings::indexRows, tokens, tokenOffsets, tokenOrder, rows, v);
        g.task("wte.back", v, Embeddings::tableBackward, dx[0], tokenOffsets, tokenOrder, wte.grad(), c);
        g.task("wpe.index", 1, Embeddings::indexRows, positions, positionOffsets, positionOrder, rows, blockSize);
        g.task("wpe.back", blockSize, Embeddings::tableBackward, dx[0], positionOffsets, positionOrder, wpe.grad(), c);
        g.transferToHost(DataTransferMode.EVERY_EXECUTION, wte.grad(), wpe.grad());
        return g;
    }

    /** The global norm and clipping coefficient ({@link #norm}, sent to the host). */
    private TaskGraph gradientNorm() {
        TaskGraph g = new TaskGraph("grad_norm");
        int slot = 0;
        for (Parameter p : params.all()) {
            g.transferToDevice(DataTransferMode.EVERY_EXECUTION, p.grad());
            int chunks = GradClip.chunks(p.value().length, CHUNK);
            g.task("norm." + p.name(), chunks, GradClip::squaredNorms, p.grad(), partials, p.value().length, CHUNK, slot);
            slot += chunks;
        }
        g.task("norm.total", 1, GradClip::clipCoefficient, partials, norm, slot, maxNorm);
        g.transferToHost(DataTransferMode.EVERY_EXECUTION, norm);
        return g;
    }
}

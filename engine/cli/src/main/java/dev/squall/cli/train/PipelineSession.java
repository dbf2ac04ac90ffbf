package dev.squall.cli.train;

import dev.squall.engine.graph.Backend;
import dev.squall.engine.io.NdArray;
import dev.squall.engine.model.GptConfig;
import dev.squall.engine.model.GptWeights;
import dev.squall.engine.pipeline.LocalPipeline;
import dev.squall.engine.pipeline.PipelineException;
import dev.squall.engine.pipeline.Schedule;
import dev.squall.engine.pipeline.StageBalance;
import dev.squall.engine.train.GptStage;
import dev.squall.engine.train.GptTrainer;
import dev.squall.engine.train.NonFiniteLossException;
import dev.squall.engine.train.OptimizerState;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code squall lm train --pipeline-stages P}: P {@link GptStage}s in this JVM ({@link LocalPipeline}), each on its
 * own backend, every step split into M micro-batches and run with the given schedule. Checkpoints gather every
 * stage's tensors and AdamW state into the model's ({@code model.npz}, {@code optimizer.npz} as single-stage runs
 * write them), so a pipeline run resumes from any run's checkpoint and the other way round.
 */
public final class PipelineSession implements TrainingSession {
    private final GptConfig config;
    private final dev.squall.engine.train.TrainOptions options;
    private final List<Backend> backends = new ArrayList<>();
    private final List<GptStage> stages = new ArrayList<>();
    private final LocalPipeline pipeline;
    private final int[] blocks;
    private final int microBatches;
    private final Schedule schedule;
    private final int batchSize;
    private final int length;
    private int[] current;
    private long steps;
    private double[] bubble;
    private long[] boundary;
    private long[] peakSaved;
    private double wallSeconds;

    /**
     * P = {@code blocksPerStage.length} stages (null: balanced by parameter count over {@code stages}) of
     * {@code init}, each on a backend from {@code backends}.
     *
     * @throws IllegalArgumentException naming the flag when the counts do not fit the model or the batch
     */
    public static PipelineSession open(GptConfig config, GptWeights init, TrainOptions o, int batchSize,
                                       int tokensPerRow, Supplier<Backend> backends, int stages, int[] blocksPerStage,
                                       int microBatches, Schedule schedule) {
        if (stages < 1 || stages > config.nLayer()) {
            throw new IllegalArgumentException("--pipeline-stages must be in [1, n_layer = " + config.nLayer()
                    + "], got " + stages);
        }
        int[] blocks = blocksPerStage != null ? StageBalance.check(blocksPerStage, config.nLayer())
                : StageBalance.byParameters(blockParameters(init), stages);
        return new PipelineSession(config, init, GptTrainerSession.libraryOptions(o), batchSize, tokensPerRow - 1,
                backends, blocks, microBatches, schedule);
    }

    /**
     * Parameters per block, the embeddings counted with the first block and {@code ln_f} and the head (where the
     * tied head's gradient accumulates) with the last, so that every stage gets at least one block.
     */
    static long[] blockParameters(GptWeights w) {
        int layers = w.config().nLayer();
        long[] n = new long[layers];
        long head = (long) w.config().vocabSize() * w.config().nEmbd();
        w.tensors().forEach((name, t) -> {
            int layer = name.startsWith("transformer.h.") ? Integer.parseInt(name.split("\\.")[2])
                    : name.equals(GptWeights.WTE) || name.equals(GptWeights.WPE) ? 0 : layers - 1;
            n[layer] += t.size();
        });
        if (!w.tensors().containsKey(GptWeights.LM_HEAD)) {
            n[layers - 1] += head;
        }
        return n;
    }

    private PipelineSession(GptConfig config, GptWeights init, dev.squall.engine.train.TrainOptions options,
                            int batchSize, int length, Supplier<Backend> backendOf, int[] blocks, int microBatches,
                            Schedule schedule) {
        this.config = config;
        this.options = options;
        this.blocks = blocks;
        this.microBatches = microBatches;
        this.schedule = schedule;
        this.batchSize = batchSize;
        this.length = length;
        try {
            for (int s = 0; s < blocks.length; s++) {
                backends.add(backendOf.get());
                stages.add(new GptStage(init, options, backends.get(s), batchSize, length, microBatches, blocks, s,
                        k -> current));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        this.pipeline = new LocalPipeline(stages, schedule);
        int p = blocks.length;
        this.bubble = new double[p];
        this.boundary = new long[Math.max(0, p - 1)];
        this.peakSaved = new long[p];
    }

    @Override
    public StepResult step(int[] batch) {
        current = batch;
        long t = stages.getFirst().stepCount();
        double lr = options.learningRate(t);
        dev.squall.engine.pipeline.StepResult r;
        try {
            r = pipeline.step(microBatches);
        } catch (PipelineException e) {
            if (e.getCause() instanceof NonFiniteLossException n) {
                return new StepResult(Double.NaN, lr, n.gradNorm());
            }
            throw e;
        }
        steps++;
        wallSeconds += r.wallNanos() / 1e9;
        for (int s = 0; s < bubble.length; s++) {
            bubble[s] += r.bubble(s);
            peakSaved[s] = Math.max(peakSaved[s], r.stages().get(s).peakSavedBytes());
        }
        for (int b = 0; b < boundary.length; b++) {
            boundary[b] = r.boundaryBytes(b);
        }
        return new StepResult(r.loss(), lr, stages.getFirst().gradNorm());
    }

    @Override
    public double evalLoss(int[] batch) {
        // on the gathered weights, single-stage with the same micro-batches (the same loss as the stages')
        try (Backend backend = new dev.squall.engine.jvm.JvmBackend(1);
             GptTrainer eval = new GptTrainer(weights(), options, backend, batchSize, length, microBatches)) {
            return eval.loss(batch);
        }
    }

    @Override
    public GptWeights weights() {
        Map<String, NdArray> m = new LinkedHashMap<>();
        Map<String, int[]> shapes = GptWeights.shapes(config);
        for (GptStage s : stages) {
            s.tensors().forEach((name, v) -> m.put(name, NdArray.of(v.clone(), shapes.containsKey(name)
                    ? shapes.get(name) : new int[] {config.vocabSize(), config.nEmbd()})));
        }
        return GptWeights.of(config, m);
    }

    @Override
    public Map<String, NdArray> optimizerState() {
        Map<String, float[]> m = new LinkedHashMap<>();
        Map<String, float[]> v = new LinkedHashMap<>();
        for (GptStage s : stages) {
            OptimizerState o = s.optimizerState();
            m.putAll(o.expAvg());
            v.putAll(o.expAvgSq());
        }
        return new OptimizerState(stages.getFirst().stepCount(), m, v).stateDict();
    }

    @Override
    public void restoreOptimizer(Map<String, NdArray> state) {
        OptimizerState o = OptimizerState.fromStateDict(state);
        stages.forEach(s -> s.restore(o));
    }

    @Override
    public String description() {
        return String.format(Locale.ROOT, "pipeline: %d stages of %s blocks in this JVM, %s, %d micro-batches of %d"
                + " rows", blocks.length, Arrays.toString(blocks), schedule.flag(),
                microBatches, batchSize / microBatches);
    }

    /** Per-stage mean bubble against the theory, boundary bytes per step and peak saved bytes, one line. */
    @Override
    public String summary() {
        if (steps == 0) {
            return null;
        }
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
                "pipeline: %d stages, %s, M = %d: bubble per stage", blocks.length,
                schedule.flag(), microBatches));
        for (double x : bubble) {
            b.append(String.format(Locale.ROOT, " %.3f", x / steps));
        }
        b.append(String.format(Locale.ROOT, " (theory %.3f); boundary bytes per step",
                Schedule.theoreticalBubble(blocks.length, microBatches)));
        for (long x : boundary) {
            b.append(' ').append(x);
        }
        b.append("; peak saved bytes per stage");
        for (long x : peakSaved) {
            b.append(' ').append(x);
        }
        b.append(String.format(Locale.ROOT, "; %.1f ms per step", 1e3 * wallSeconds / steps));
        return b.toString();
    }

    @Override
    public void close() {
        if (pipeline != null) {
            pipeline.close();
        }
        stages.forEach(GptStage::close);
        for (Backend b : backends) {
            try {
                b.close();
            } catch (Exception e) {
                throw new IllegalStateException("could not close a stage's backend: " + e, e);
            }
        }
    }
}

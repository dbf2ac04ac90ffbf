package dev.squall.benchmarks.pipeline;

import dev.squall.benchmarks.suite.PipelineBench;
import dev.squall.engine.jvm.JvmBackend;
import dev.squall.engine.model.GptConfig;
import dev.squall.engine.model.GptWeights;
import dev.squall.engine.pipeline.PipelineStage;
import dev.squall.engine.train.GptStage;
import dev.squall.engine.train.TrainOptions;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * GPT training stages ({@link GptStage}) for {@link PipelineBench}: equal numbers of blocks per stage, each stage on
 * its own JVM backend, {@code rows} sequences of {@code T = block_size} per micro-batch, random tokens (the same
 * batch every step), AdamW with clipping.
 */
public final class GptStages implements PipelineBench.StageKind {
    private final GptConfig config;
    private final int rows;
    private final GptWeights weights;
    private final Map<PipelineStage, JvmBackend> backends = new IdentityHashMap<>();

    /** Stages of a GPT of {@code config} with {@code rows} sequences per micro-batch. */
    public GptStages(GptConfig config, int rows) {
        this.config = config;
        this.rows = rows;
        this.weights = GptWeights.random(config, 1337);
    }

    @Override
    public PipelineStage make(int stage, int stages, int threads, int microBatches) {
        int[] split = new int[stages];
        java.util.Arrays.fill(split, config.nLayer() / stages);
        split[stages - 1] += config.nLayer() % stages;
        int t = config.blockSize();
        int[] batch = new int[microBatches * rows * (t + 1)];
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < batch.length; i++) {
            batch[i] = rnd.nextInt(config.vocabSize());
        }
        JvmBackend backend = new JvmBackend(threads);
        GptStage s = new GptStage(weights, TrainOptions.defaults(1000), backend, microBatches * rows, t, microBatches,
                split, stage, k -> batch);
        backends.put(s, backend);
        return s;
    }

    @Override
    public void release(PipelineStage stage) {
        ((GptStage) stage).close();
        backends.remove(stage).close();
    }

    @Override
    public String title() {
        return String.format("GPT training stages (%d layers x %d heads x %d wide, vocab %d, T %d; blocks split evenly;"
                        + " embeddings in the first stage, head and loss in the last; JVM backend, fast paths),"
                        + " %d sequences per micro-batch", config.nLayer(), config.nHead(), config.nEmbd(),
                config.vocabSize(), config.blockSize(), rows);
    }
}

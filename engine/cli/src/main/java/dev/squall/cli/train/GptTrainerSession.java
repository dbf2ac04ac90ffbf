package dev.squall.cli.train;

import dev.squall.engine.train.Distill;
import dev.squall.engine.graph.Backend;
import dev.squall.engine.io.NdArray;
import dev.squall.engine.model.GptConfig;
import dev.squall.engine.model.GptWeights;
import dev.squall.engine.train.GptTrainer;
import dev.squall.engine.train.NonFiniteLossException;
import dev.squall.engine.train.OptimizerState;

import java.util.Map;

/** The {@link TrainingSession} of {@code squall lm train}: the training library's {@link GptTrainer}. */
final class GptTrainerSession implements TrainingSession {
    private final GptTrainer trainer;

    private GptTrainerSession(GptTrainer trainer) {
        this.trainer = trainer;
    }

    /** A {@link TrainingSessions.Factory}: a trainer of {@code init} (trained in place) on {@code backend}. */
    static TrainingSession open(GptConfig config, GptWeights init, TrainOptions o, int batchSize, int tokensPerRow,
                                Backend backend) {
        return open(config, init, o, batchSize, tokensPerRow, backend, 1);
    }

    /** {@link #open} with each batch split into {@code microBatches} micro-batches. */
    static TrainingSession open(GptConfig config, GptWeights init, TrainOptions o, int batchSize, int tokensPerRow,
                                Backend backend, int microBatches) {
        var options = libraryOptions(o);
        if (microBatches == 1) {
            return new GptTrainerSession(new GptTrainer(init, options, o.recompute(), o.actCompress(), backend,
                    batchSize, tokensPerRow - 1));
        }
        if (o.recompute() != dev.squall.engine.train.Recompute.NONE || o.actCompress().compresses()) {
            throw new IllegalArgumentException("--micro-batches: not combined with --recompute or --act-compress yet");
        }
        return new GptTrainerSession(new GptTrainer(init, options, backend, batchSize, tokensPerRow - 1,
                microBatches));
    }

    /** The training library's options for the command's. */
    static dev.squall.engine.train.TrainOptions libraryOptions(TrainOptions o) {
        return new dev.squall.engine.train.TrainOptions(o.lr(), o.minLr(), o.weightDecay(), o.beta1(),
                o.beta2(), o.eps(), o.gradClip(), o.warmup(), o.steps(),
                dev.squall.engine.train.TrainOptions.Schedule.valueOf(o.schedule().name()),
                dev.squall.engine.train.TrainOptions.Attention.valueOf(o.attention().name()), o.seed());
    }

    @Override
    public StepResult step(int[] batch) {
        try {
            var r = trainer.step(batch);
            return new StepResult(r.loss(), r.lr(), r.gradNorm());
        } catch (NonFiniteLossException e) {
            // The run stops on it and names the step; nothing was updated.
            return new StepResult(e.loss(), trainer.options().learningRate(e.step() - 1), e.gradNorm());
        }
    }

    @Override
    public void distill(Distill d) {
        trainer.distill(d);
    }

    @Override
    public double evalLoss(int[] batch) {
        return trainer.loss(batch);
    }

    @Override
    public GptWeights weights() {
        return trainer.weights();
    }

    @Override
    public Map<String, NdArray> optimizerState() {
        return trainer.optimizerState().stateDict();
    }

    @Override
    public void restoreOptimizer(Map<String, NdArray> state) {
        trainer.restore(OptimizerState.fromStateDict(state));
    }

    @Override
    public String description() {
        return "memory: " + trainer.memory();
    }

    @Override
    public void close() {
        trainer.close();
    }
}

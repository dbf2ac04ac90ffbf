package dev.squall.cli.train;

import dev.squall.engine.graph.Backend;
import dev.squall.engine.model.GptConfig;
import dev.squall.engine.model.GptWeights;

import java.util.Objects;

/**
 * Opens the {@link TrainingSession}s of {@code squall lm train}. The command uses whatever factory is bound here:
 * the training library's {@link dev.squall.engine.train.GptTrainer} unless a test binds a stand-in.
 */
public final class TrainingSessions {
    /** Makes a session. */
    @FunctionalInterface
    public interface Factory {
        /**
         * A session training a GPT of {@code config} on batches of {@code batchSize} rows of {@code tokensPerRow}
         * ids ({@code T + 1}, at most {@code block_size + 1}).
         *
         * @param init    the initial weights ({@code --init}, a checkpoint's, or {@link InitialWeights#nanoGpt}
         *                from {@code --seed}), never null; the session may train them in place
         * @param backend where the graphs run; the session does not close it
         * @throws IllegalArgumentException for options the trainer cannot honour, naming the option
         */
        TrainingSession open(GptConfig config, GptWeights init, TrainOptions options, int batchSize,
                             int tokensPerRow, Backend backend);
    }

    private static volatile Factory factory = GptTrainerSession::open;

    private TrainingSessions() {
    }

    /**
     * A session of the training library that splits each batch into {@code microBatches} micro-batches (summed
     * gradients, one update per batch; {@code lm train --micro-batches}), whatever factory is bound.
     */
    public static TrainingSession microBatched(GptConfig config, GptWeights init, TrainOptions options, int batchSize,
                                               int tokensPerRow, Backend backend, int microBatches) {
        return GptTrainerSession.open(config, init, options, batchSize, tokensPerRow, backend, microBatches);
    }

    /** The factory in use. */
    public static Factory factory() {
        return factory;
    }

    /**
     * Binds {@code f} until the returned handle is closed (then the previous one is back): how the training
     * library is plugged in, and how tests train with a stand-in.
     */
    public static AutoCloseable bind(Factory f) {
        Factory previous = factory;
        factory = Objects.requireNonNull(f, "factory");
        return () -> factory = previous;
    }
}

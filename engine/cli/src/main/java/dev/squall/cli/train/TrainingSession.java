package dev.squall.cli.train;

import dev.squall.engine.train.Distill;
import dev.squall.engine.io.NdArray;
import dev.squall.engine.model.GptWeights;

import java.util.Map;

/**
 * What {@code squall lm train} needs of a trainer: one optimizer step on a batch, the loss of a batch without an
 * update, the weights, and the optimizer's state to save and restore. A batch is {@code B} rows of {@code T + 1}
 * token ids, row-major, with the shape the session was opened for: inputs are each row's first {@code T} ids,
 * targets its last {@code T}.
 *
 * <p>Contract the command relies on for {@code --resume}: a session opened with the same config, weights and
 * options, whose optimizer state was restored with {@link #restoreOptimizer} from what {@link #optimizerState}
 * returned after {@code k} steps, continues exactly (same bits) as the session that took those {@code k} steps.
 * So the optimizer state includes the step counter that drives the learning-rate schedule and AdamW's bias
 * correction.
 */
public interface TrainingSession extends AutoCloseable {
    /**
     * What one step did.
     *
     * @param loss     mean cross-entropy of the step's batch, before its update
     * @param lr       the learning rate the update used (from the schedule)
     * @param gradNorm the global gradient norm before clipping
     */
    record StepResult(double loss, double lr, double gradNorm) {
    }

    /**
     * One training step on {@code batch}: forward, backward, clipping, AdamW update. A step whose loss or gradient
     * norm is not finite returns it (NaN or infinite) rather than throwing; the command then stops and saves
     * nothing of that state.
     */
    StepResult step(int[] batch);

    /** The mean cross-entropy of {@code batch} under the current weights; no update, no dropout. */
    double evalLoss(int[] batch);

    /** The current weights (nanoGPT names), as {@code model.npz} saves them. */
    GptWeights weights();

    /** The optimizer's state (moments and step counter) as named arrays, for {@code optimizer.npz}. */
    Map<String, NdArray> optimizerState();

    /**
     * Restores what {@link #optimizerState} returned.
     *
     * @throws IllegalArgumentException naming the array that is missing or does not fit the model
     */
    void restoreOptimizer(Map<String, NdArray> state);

    /**
     * One or more lines on how the session trains, printed once before the first step (e.g. the backend, the
     * attention kind and the step's peak memory by kind: weights, gradients, optimizer state, saved activations,
     * workspace); null for none.
     */
    default String description() {
        return null;
    }

    /** A line for the run's summary (e.g. a pipeline's bubble and boundary bytes), or null for none. */
    default String summary() {
        return null;
    }

    /**
     * Trains with knowledge distillation from {@code d}'s teacher from the first step on (call before it).
     *
     * @throws UnsupportedOperationException when this trainer cannot distil
     */
    default void distill(Distill d) {
        throw new UnsupportedOperationException("this trainer does not support distillation (--teacher)");
    }

    /** Releases the session's threads and buffers. */
    @Override
    void close();
}

package dev.squall.engine.train;

/**
 * What one training step did.
 *
 * @param step     the number of updates done, this one included (1 after the first step)
 * @param loss     the mean cross-entropy of the step's batch, before the update
 * @param lr       the learning rate the update used
 * @param gradNorm the global 2-norm of the gradients before clipping
 */
public record StepResult(long step, double loss, double lr, double gradNorm) {
}

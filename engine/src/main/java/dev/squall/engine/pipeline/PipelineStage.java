package dev.squall.engine.pipeline;

/**
 * One stage of a pipeline: a contiguous range of a model's layers with its own parameters, gradient
 * buffers and optimizer state. A runner calls it from one thread at a time, in this order per step:
 * {@link #beginStep}, then the schedule's {@link #forward} and {@link #backward} calls, then {@link #step}.
 *
 * <p>Determinism contract: within a step, {@code backward} is called for micro-batches 0, 1, …, M−1 in
 * ascending order under every schedule, so a stage that adds each micro-batch's parameter gradients into its
 * buffers in call order gets the same bits whatever the schedule or the number of stages.
 *
 * <p>Data stays with the stages: the first stage reads micro-batch {@code m}'s inputs of the current step
 * itself (its {@code input} is {@code null}) and the last stage reads its targets itself, so only boundary
 * tensors cross between stages.
 */
public interface PipelineStage {

    /**
     * Starts step {@code step} of {@code microBatches} micro-batches: zeroes the gradient buffers and selects the
     * step's data (first and last stage).
     */
    void beginStep(long step, int microBatches);

    /**
     * Runs micro-batch {@code microBatch} forward and keeps what its backward needs, keyed by the micro-batch.
     *
     * @param input the previous stage's output activations, {@code null} on the first stage
     * @return the output activations for the next stage; on the last stage a one-element array holding this
     *     micro-batch's loss (the step's loss is the mean of these over the micro-batches)
     */
    float[] forward(int microBatch, float[] input);

    /**
     * Runs micro-batch {@code microBatch} backward, adds its parameter gradients into the stage's buffers and
     * releases what its forward saved.
     *
     * @param outputGradient the next stage's gradient of the loss with respect to this stage's output;
     *     {@code null} on the last stage, which starts from its own loss (scaled by 1/M, the step's mean)
     * @return the gradient with respect to this stage's input, for the previous stage; the first stage may return
     *     {@code null}
     */
    float[] backward(int microBatch, float[] outputGradient);

    /**
     * What this stage gives every other stage after its last backward of the step, before the optimizer: e.g. the
     * squared norms of its gradient tensors for global-norm clipping, or its part of a tied weight's gradient.
     * {@code null} (the default) shares nothing.
     */
    default float[] share() {
        return null;
    }

    /**
     * Receives every stage's {@link #share()} of this step, indexed by stage ({@code null} where a stage shared
     * nothing); called on every stage before {@link #step()}. Combine them in stage order for fixed bits.
     */
    default void shared(float[][] shares) {}

    /** Applies the optimizer to the accumulated gradients; called once per step after {@link #shared}. */
    void step();

    /** Bytes currently held for backward by the micro-batches whose backward has not run yet. */
    long savedBytes();

    /** A copy of every parameter, flattened in a fixed order (for checks and for moving checkpoints). */
    float[] parameters();
}

package dev.squall.engine.pipeline;

/**
 * How a stage exchanges boundary tensors with its neighbours: in one JVM through {@link Mailbox}es, across
 * machines through messages. Sends never block; receives wait for the tensor of the micro-batch named.
 */
public interface StageLink {

    /** The previous stage's output activations of {@code microBatch} (not called on the first stage). */
    float[] receiveActivation(int microBatch) throws InterruptedException;

    /** The next stage's gradient for {@code microBatch} (not called on the last stage). */
    float[] receiveGradient(int microBatch) throws InterruptedException;

    /** Sends this stage's output activations of {@code microBatch} to the next stage. */
    void sendActivation(int microBatch, float[] activation);

    /** Sends the gradient with respect to this stage's input of {@code microBatch} to the previous stage. */
    void sendGradient(int microBatch, float[] gradient);
}

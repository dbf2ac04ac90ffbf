package dev.squall.engine.pipeline;

import java.util.concurrent.LinkedBlockingQueue;

/**
 * The ordered queue of tensors arriving at a stage from one neighbour (activations from the previous stage, or
 * gradients from the next). Tensors arrive in micro-batch order; {@link #fail} wakes a waiting receiver with the
 * error instead, so a stage never waits for a neighbour that is gone.
 */
public final class Mailbox {
    private record Entry(int microBatch, float[] tensor, RuntimeException failure) {}

    private final String name;
    private final LinkedBlockingQueue<Entry> queue = new LinkedBlockingQueue<>();

    /** A mailbox whose name says what arrives in it (used in errors). */
    public Mailbox(String name) {
        this.name = name;
    }

    /** Delivers micro-batch {@code microBatch}'s tensor. */
    public void put(int microBatch, float[] tensor) {
        queue.add(new Entry(microBatch, tensor, null));
    }

    /** Makes the next (and every later) {@link #take} throw {@code failure}. */
    public void fail(RuntimeException failure) {
        queue.add(new Entry(-1, null, failure));
    }

    /** Waits for micro-batch {@code microBatch}'s tensor, which must be the next to arrive. */
    public float[] take(int microBatch) throws InterruptedException {
        Entry e = queue.take();
        if (e.failure != null) {
            queue.add(e);
            throw e.failure;
        }
        if (e.microBatch != microBatch) {
            throw new IllegalStateException(name + ": expected micro-batch " + microBatch + ", got " + e.microBatch);
        }
        return e.tensor;
    }

    /** Drops whatever is queued (a failed step's leftovers). */
    public void clear() {
        queue.clear();
    }
}

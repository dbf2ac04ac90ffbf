package dev.squall.engine.pipeline;

/** One operation of a stage's schedule: the forward or backward pass of one micro-batch. */
public record StageOp(Kind kind, int microBatch) {

    /** Forward or backward. */
    public enum Kind { FORWARD, BACKWARD }

    /** The forward pass of {@code microBatch}. */
    public static StageOp forward(int microBatch) {
        return new StageOp(Kind.FORWARD, microBatch);
    }

    /** The backward pass of {@code microBatch}. */
    public static StageOp backward(int microBatch) {
        return new StageOp(Kind.BACKWARD, microBatch);
    }

    @Override
    public String toString() {
        return (kind == Kind.FORWARD ? "F" : "B") + microBatch;
    }
}

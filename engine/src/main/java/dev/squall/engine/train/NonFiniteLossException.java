package dev.squall.engine.train;

/**
 * A step whose loss or gradient norm is not finite (NaN or infinite). The step stops before the optimizer runs:
 * the parameters and the optimizer state are those of the last good step.
 */
public final class NonFiniteLossException extends IllegalStateException {
    private final long step;

    /** At step {@code step} (counted from 1), {@code what} was {@code value}. */
    public NonFiniteLossException(long step, String what, double value) {
        super("step " + step + ": the " + what + " is " + value + " (not finite); training stopped before the update,"
                + " the weights and optimizer state are those after step " + (step - 1));
        this.step = step;
    }

    /** The step (from 1) whose loss or gradient norm was not finite. */
    public long step() {
        return step;
    }
}

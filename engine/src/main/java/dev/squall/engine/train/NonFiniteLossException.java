package dev.squall.engine.train;

/**
 * A step whose loss or gradient norm is not finite (NaN or infinite). The step stops before the optimizer runs:
 * the parameters and the optimizer state are those of the last good step.
 */
public final class NonFiniteLossException extends IllegalStateException {
    private final long step;
    private final double loss;
    private final double gradNorm;

    /** At step {@code step} (counted from 1) the loss was {@code loss} and the gradient norm {@code gradNorm}. */
    public NonFiniteLossException(long step, double loss, double gradNorm) {
        super("step " + step + ": the " + (Double.isFinite(loss) ? "gradient norm is " + gradNorm : "loss is " + loss)
                + " (not finite); training stopped before the update, the weights and optimizer state are those after"
                + " step " + (step - 1));
        this.step = step;
        this.loss = loss;
        this.gradNorm = gradNorm;
    }

    /** The step's loss (the gradient norm was not computed meaningfully when this is not finite). */
    public double loss() {
        return loss;
    }

    /** The step's global gradient norm. */
    public double gradNorm() {
        return gradNorm;
    }

    /** The step (from 1) whose loss or gradient norm was not finite. */
    public long step() {
        return step;
    }
}

package dev.squall.cli.train;

/** The learning-rate schedule of {@code squall lm train}, computed by the trainer from {@link TrainOptions}. */
public enum LrSchedule {
    /** The learning rate of {@code --lr} at every step (after the warm-up, if any). */
    CONSTANT,
    /** nanoGPT's: linear warm-up to {@code --lr}, then cosine decay to {@code --min-lr} at the last step. */
    COSINE;

    /** The schedule named {@code name}, or an error naming {@code --lr-schedule} and the choices. */
    public static LrSchedule parse(String name) {
        return Choices.parse(LrSchedule.class, "--lr-schedule", name);
    }
}

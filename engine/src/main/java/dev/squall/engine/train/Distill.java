package dev.squall.engine.train;

/**
 * Knowledge distillation for {@link GptTrainer#distill}: the loss becomes
 * {@code alpha·τ²·KL(softmax(teacher/τ) ‖ softmax(student/τ)) + (1 − alpha)·CE} (the KL term as PyTorch's
 * {@code kl_div(..., reduction="batchmean")} over the tokens whose target is not −1).
 *
 * @param teacher     the teacher's forward
 * @param temperature τ &gt; 0
 * @param alpha       the weight of the distillation term, in [0, 1]
 */
public record Distill(Teacher teacher, float temperature, float alpha) {
    /** @throws IllegalArgumentException naming the value out of range */
    public Distill {
        if (teacher == null) {
            throw new IllegalArgumentException("teacher must be given");
        }
        if (!(temperature > 0) || !Float.isFinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite number > 0, got " + temperature);
        }
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("alpha must be in [0, 1], got " + alpha);
        }
    }
}

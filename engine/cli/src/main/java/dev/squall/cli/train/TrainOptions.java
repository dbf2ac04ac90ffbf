package dev.squall.cli.train;

import dev.squall.engine.memory.ActivationCodec;
import dev.squall.engine.train.Recompute;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The hyperparameters of a training run, as {@code squall lm train} takes them, checked, with the error naming
 * the option. The trainer computes the learning rate of each step from them: with {@code warmup} steps of
 * linear warm-up to {@code lr}, then {@code lr} ({@link LrSchedule#CONSTANT}) or a cosine decay reaching
 * {@code minLr} at step {@code steps} ({@link LrSchedule#COSINE}, nanoGPT's {@code get_lr} with
 * {@code lr_decay_iters = max_iters}).
 *
 * @param steps       optimizer steps of the whole run ({@code --steps}), the end of the cosine decay
 * @param lr          peak learning rate
 * @param minLr       learning rate at the end of the cosine decay
 * @param weightDecay AdamW's decoupled weight decay, applied to tensors of two or more dimensions only
 * @param beta1       AdamW's first-moment decay
 * @param beta2       AdamW's second-moment decay
 * @param eps         AdamW's epsilon, added after the square root
 * @param gradClip    global gradient-norm limit; 0 for none
 * @param warmup      steps of linear warm-up
 * @param schedule    the schedule after the warm-up
 * @param seed        seed of the initial weights (without {@code --init}) and of the data windows
 * @param attention   fused or unfused attention
 * @param recompute   which activations the backward recomputes ({@code --recompute}); not in {@link #toMap}: it
 *                    changes memory and time, not results, so a run may resume with another choice
 * @param actCompress how kept activations are stored ({@code --act-compress}); in {@link #toMap} when it compresses
 */
public record TrainOptions(int steps, double lr, double minLr, double weightDecay, double beta1, double beta2,
                           double eps, double gradClip, int warmup, LrSchedule schedule, long seed,
                           AttentionKind attention, Recompute recompute, ActivationCodec actCompress) {
    /** Options without recomputation. */
    public TrainOptions(int steps, double lr, double minLr, double weightDecay, double beta1, double beta2,
                        double eps, double gradClip, int warmup, LrSchedule schedule, long seed,
                        AttentionKind attention) {
        this(steps, lr, minLr, weightDecay, beta1, beta2, eps, gradClip, warmup, schedule, seed, attention,
                Recompute.NONE, ActivationCodec.NONE);
    }

    /** Checks every value; the message names the option. */
    public TrainOptions {
        if (steps < 1) {
            throw new IllegalArgumentException("--steps must be >= 1, got " + steps);
        }
        nonNegative("--lr", lr);
        nonNegative("--min-lr", minLr);
        nonNegative("--weight-decay", weightDecay);
        nonNegative("--grad-clip", gradClip);
        if (!(beta1 >= 0 && beta1 < 1)) {
            throw new IllegalArgumentException("--beta1 must be in [0, 1), got " + beta1);
        }
        if (!(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("--beta2 must be in [0, 1), got " + beta2);
        }
        if (!(eps > 0 && Double.isFinite(eps))) {
            throw new IllegalArgumentException("--eps must be > 0, got " + eps);
        }
        if (warmup < 0) {
            throw new IllegalArgumentException("--warmup must be >= 0, got " + warmup);
        }
        if (schedule == null || attention == null || recompute == null || actCompress == null) {
            throw new IllegalArgumentException("--lr-schedule, --attention, --recompute and --act-compress are required");
        }
    }

    private static void nonNegative(String option, double v) {
        if (!(v >= 0 && Double.isFinite(v))) {
            throw new IllegalArgumentException(option + " must be a finite number >= 0, got " + v);
        }
    }

    /** The options under their command-line names (without dashes), for the train-state file. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("steps", steps);
        m.put("lr", lr);
        m.put("min-lr", minLr);
        m.put("weight-decay", weightDecay);
        m.put("beta1", beta1);
        m.put("beta2", beta2);
        m.put("eps", eps);
        m.put("grad-clip", gradClip);
        m.put("warmup", warmup);
        m.put("lr-schedule", Choices.name(schedule));
        m.put("seed", seed);
        m.put("attention", Choices.name(attention));
        if (actCompress.compresses()) {
            m.put("act-compress", actCompress.name() + ":" + actCompress.groupSize());
        }
        return m;
    }
}

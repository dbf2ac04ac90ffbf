package dev.squall.engine.train;

/**
 * The settings of a training run, with nanoGPT's meanings and PyTorch's optimizer semantics.
 *
 * @param lr          peak learning rate (after warm-up)
 * @param minLr       the learning rate cosine decay ends at ({@link Schedule#COSINE}; ignored by {@code CONSTANT})
 * @param weightDecay AdamW's decoupled weight decay, applied to tensors of two or more dimensions only
 * @param beta1       AdamW's first-moment decay
 * @param beta2       AdamW's second-moment decay
 * @param eps         AdamW's epsilon, added after the square root
 * @param gradClip    global gradient-norm limit as {@code clip_grad_norm_}; 0 turns clipping off
 * @param warmup      steps of linear warm-up
 * @param steps       steps of the run: cosine decay reaches {@code minLr} at this step
 * @param schedule    the learning-rate schedule
 * @param attention   how attention is trained: fused (FlashAttention-2) or unfused (probabilities saved)
 * @param seed        the run's seed (data order, initial weights; the step itself draws no random numbers)
 */
public record TrainOptions(double lr, double minLr, double weightDecay, double beta1, double beta2, double eps,
                           double gradClip, int warmup, int steps, Schedule schedule, Attention attention, long seed) {
    /** The learning-rate schedule. */
    public enum Schedule {
        /** {@code lr} after warm-up. */
        CONSTANT,
        /** nanoGPT's {@code get_lr}: linear warm-up, then cosine decay from {@code lr} to {@code minLr} at {@code steps}. */
        COSINE
    }

    /** How the attention step saves for and runs its backward. */
    public enum Attention {
        /** FlashAttention-2: the forward saves its output and each row's log-sum-exp; no N×N buffer. */
        FUSED,
        /** Scores and probabilities materialised; the probabilities are saved ({@code [B·T·H, T]}). */
        UNFUSED
    }

    /** Checks every field. */
    public TrainOptions {
        finite("lr", lr, 0, false);
        finite("min_lr", minLr, 0, false);
        finite("weight_decay", weightDecay, 0, false);
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("beta1 and beta2 must be in [0, 1), got " + beta1 + " and " + beta2);
        }
        finite("eps", eps, 0, true);
        finite("grad_clip", gradClip, 0, false);
        if (warmup < 0 || steps < 1) {
            throw new IllegalArgumentException("warmup must be >= 0 and steps >= 1, got " + warmup + " and " + steps);
        }
        if (schedule == null || attention == null) {
            throw new IllegalArgumentException("schedule and attention must be given");
        }
    }

    /**
     * nanoGPT's defaults for its Shakespeare recipe where they apply: lr 1e-3 cosine to 1e-4 over {@code steps},
     * warm-up 100 (fewer when {@code steps} is small), weight decay 0.1, betas (0.9, 0.95), eps 1e-8, clipping at 1,
     * fused attention, seed 1337.
     */
    public static TrainOptions defaults(int steps) {
        return new TrainOptions(1e-3, 1e-4, 0.1, 0.9, 0.95, 1e-8, 1.0, Math.min(100, steps / 10), steps,
                Schedule.COSINE, Attention.FUSED, 1337);
    }

    /** These options with learning rate {@code lr} and {@code minLr}. */
    public TrainOptions withLr(double lr, double minLr) {
        return new TrainOptions(lr, minLr, weightDecay, beta1, beta2, eps, gradClip, warmup, steps, schedule, attention,
                seed);
    }

    /** These options with {@code schedule}. */
    public TrainOptions withSchedule(Schedule schedule) {
        return new TrainOptions(lr, minLr, weightDecay, beta1, beta2, eps, gradClip, warmup, steps, schedule, attention,
                seed);
    }

    /** These options with {@code attention}. */
    public TrainOptions withAttention(Attention attention) {
        return new TrainOptions(lr, minLr, weightDecay, beta1, beta2, eps, gradClip, warmup, steps, schedule, attention,
                seed);
    }

    /** These options with weight decay {@code weightDecay} and clipping at {@code gradClip} (0: off). */
    public TrainOptions withRegularisation(double weightDecay, double gradClip) {
        return new TrainOptions(lr, minLr, weightDecay, beta1, beta2, eps, gradClip, warmup, steps, schedule, attention,
                seed);
    }

    /** These options with {@code warmup} steps of warm-up. */
    public TrainOptions withWarmup(int warmup) {
        return new TrainOptions(lr, minLr, weightDecay, beta1, beta2, eps, gradClip, warmup, steps, schedule, attention,
                seed);
    }

    /**
     * The learning rate of iteration {@code it} (0 for the first step), as nanoGPT's {@code get_lr}: during warm-up
     * {@code lr·(it + 1)/(warmup + 1)}; then {@code lr} (constant) or
     * {@code minLr + ½(1 + cos(π·(it − warmup)/(steps − warmup)))·(lr − minLr)} (cosine), {@code minLr} past {@code steps}.
     */
    public double learningRate(long it) {
        if (it < warmup) {
            return lr * (it + 1) / (warmup + 1);
        }
        if (schedule == Schedule.CONSTANT) {
            return lr;
        }
        if (it > steps || steps <= warmup) {
            return minLr;
        }
        double ratio = (double) (it - warmup) / (steps - warmup);
        return minLr + 0.5 * (1 + Math.cos(Math.PI * ratio)) * (lr - minLr);
    }

    private static void finite(String name, double v, double min, boolean strict) {
        if (!Double.isFinite(v) || v < min || (strict && v == min)) {
            throw new IllegalArgumentException(name + " must be a finite number " + (strict ? "> " : ">= ") + min
                    + ", got " + v);
        }
    }
}

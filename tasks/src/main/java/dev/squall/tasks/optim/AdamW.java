package dev.squall.tasks.optim;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;

/**
 * AdamW as {@code torch.optim.AdamW} computes it (checked against {@code _single_tensor_adamw} in PyTorch's
 * {@code torch/optim/adamw.py}, the non-capturable branch, and ATen's {@code lerp} for a weight below 0.5):
 * <pre>
 *   p ← p·(1 − lr·wd)                          decoupled weight decay, before the update
 *   m ← m + (1 − β1)·(g − m)                    exp_avg.lerp_(grad, 1 − β1)
 *   v ← v·β2 + (1 − β2)·g²                      exp_avg_sq.mul_(β2).addcmul_(grad, grad, 1 − β2)
 *   p ← p − (lr / (1 − β1^t))·m / (√v / √(1 − β2^t) + ε)   ε added after the square root
 * </pre>
 * with {@code t} the step (1 for the first update). The per-step scalars travel in an array,
 * {@code schedule = {lr, lr/(1 − β1^t), √(1 − β2^t)}} ({@link #schedule} fills it, in double as PyTorch does),
 * so one compiled graph serves every step (TornadoVM bakes scalar arguments into its kernels). The weight decay
 * is the caller's per tensor: nanoGPT decays tensors of two or more dimensions and passes 0 for the others.
 */
public final class AdamW {
    /** {@code schedule} index: the learning rate. */
    public static final int LR = 0;
    /** {@code schedule} index: {@code lr / (1 − β1^t)}. */
    public static final int STEP_SIZE = 1;
    /** {@code schedule} index: {@code √(1 − β2^t)}. */
    public static final int BIAS_CORRECTION2_SQRT = 2;
    /** Size of {@code schedule}. */
    public static final int SCHEDULE = 3;

    private AdamW() {
    }

    /** Fills {@code schedule} for step {@code t} (from 1), learning rate {@code lr} and the betas. */
    public static void schedule(float[] schedule, double lr, double beta1, double beta2, long t) {
        schedule[LR] = (float) lr;
        schedule[STEP_SIZE] = (float) (lr / (1 - Math.pow(beta1, t)));
        schedule[BIAS_CORRECTION2_SQRT] = (float) Math.sqrt(1 - Math.pow(beta2, t));
    }

    /**
     * One AdamW update of the {@code length} parameters {@code param} with gradients {@code grad} and moments
     * {@code m}, {@code v} (all updated in place). Parallel rows are chunks of {@code chunk} elements: pass
     * {@code ceil(length / chunk)}.
     */
    public static void update(float[] grad, @Out float[] param, @Out float[] m, @Out float[] v, float[] schedule,
                              float beta1, float beta2, float eps, float weightDecay, int length, int chunk,
                              int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            float decay = 1f - schedule[LR] * weightDecay;
            float stepSize = schedule[STEP_SIZE];
            float correction2 = schedule[BIAS_CORRECTION2_SQRT];
            int i0 = (rowOffset + r) * chunk;
            int i1 = Math.min(i0 + chunk, length);
            for (int i = i0; i < i1; i++) {
                float g = grad[i];
                float mi = m[i] + (1f - beta1) * (g - m[i]);
                float vi = v[i] * beta2 + (1f - beta2) * g * g;
                m[i] = mi;
                v[i] = vi;
                param[i] = param[i] * decay - stepSize * mi / ((float) Math.sqrt(vi) / correction2 + eps);
            }
        }
    }
}

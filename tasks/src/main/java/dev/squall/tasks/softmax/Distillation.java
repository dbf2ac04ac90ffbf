package dev.squall.tasks.softmax;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;

/**
 * Knowledge-distillation loss over a vocabulary with its gradient, as PyTorch's
 * {@code τ²·F.kl_div(F.log_softmax(s/τ), F.softmax(t/τ), reduction="batchmean")} over the rows of student logits
 * {@code s} and teacher logits {@code t}: the loss of a row is {@code τ²·Σ_c p_c·(log p_c − log q_c)} with
 * {@code p = softmax(t/τ)}, {@code q = softmax(s/τ)}, the loss of the batch their mean. Rows whose target is
 * {@link CrossEntropy#IGNORE} take no part, as in {@link CrossEntropy}: the same {@code count} (from
 * {@link CrossEntropy#countTargets}) divides, and {@link CrossEntropy#meanLoss} averages the per-row losses.
 * The log-probabilities are formed as {@code (z/τ − max) − log Σ exp(z/τ − max)}, so logits of any size are safe and a
 * teacher probability that underflows to 0 contributes exactly 0.
 */
public final class Distillation {
    private Distillation() {
    }

    /**
     * For each row of {@code vocab} logits: {@code losses[row] = τ²·KL(p ‖ q)} and the combined gradient
     * {@code dStudent[row, :] = (1 − a)·dStudent[row, :] + a·τ·(q − p)/count[0]}, {@code a = alpha}: the gradient of
     * {@code a·(mean distillation loss) + (1 − a)·(what dStudent held)}, so running {@link CrossEntropy#softmaxCrossEntropy}
     * into {@code dStudent} first gives the gradient of {@code a·KD + (1 − a)·CE}. A row whose target is
     * {@link CrossEntropy#IGNORE} gets loss 0 and keeps {@code (1 − a)} of its gradient (0 after the cross-entropy).
     */
    public static void distillation(float[] student, float[] teacher, int[] targets, int[] count, @Out float[] losses,
                                    @Out float[] dStudent, int vocab, float tau, float alpha, int rowOffset,
                                    int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int row = rowOffset + r;
            int base = row * vocab;
            boolean ignored = targets[row] == CrossEntropy.IGNORE;
            float maxS = Float.NEGATIVE_INFINITY;
            float maxT = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < vocab; c++) {
                maxS = Math.max(maxS, student[base + c] / tau);
                maxT = Math.max(maxT, teacher[base + c] / tau);
            }
            float sumS = 0f;
            float sumT = 0f;
            for (int c = 0; c < vocab; c++) {
                sumS += (float) Math.exp(student[base + c] / tau - maxS);
                sumT += (float) Math.exp(teacher[base + c] / tau - maxT);
            }
            float logS = (float) Math.log(sumS);
            float logT = (float) Math.log(sumT);
            float weight = ignored ? 0f : alpha * tau / count[0];
            float kl = 0f;
            for (int c = 0; c < vocab; c++) {
                float logQ = (student[base + c] / tau - maxS) - logS;
                float logP = (teacher[base + c] / tau - maxT) - logT;
                float p = (float) Math.exp(logP);
                kl += p * (logP - logQ);
                float q = (float) Math.exp(logQ);
                dStudent[base + c] = (1f - alpha) * dStudent[base + c] + weight * (q - p);
            }
            losses[row] = ignored ? 0f : tau * tau * kl;
        }
    }
}

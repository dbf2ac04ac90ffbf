package dev.squall.tasks.softmax;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;
import dev.squall.tasks.reduction.KahanSum;

/**
 * Softmax cross-entropy over a vocabulary with its gradient, as PyTorch's
 * {@code F.cross_entropy(logits, targets, ignore_index=-1)} with mean reduction (nanoGPT's loss): the loss of a
 * row with target {@code t} is {@code logsumexp(x) − x[t]}, the loss of the batch their mean over the rows whose
 * target is not −1 (ignored rows count neither in the sum nor in the divisor). The three kernels run in order:
 * {@link #countTargets}, {@link #softmaxCrossEntropy} (per-row loss and {@code dLogits} in one pass over each
 * row), {@link #meanLoss}. The count travels in an array, so a graph compiled once (TornadoVM bakes scalar
 * arguments into its kernels) serves batches with any number of ignored targets. Targets must lie in
 * {@code [0, vocab)} or be −1: the caller checks them.
 */
public final class CrossEntropy {
    /** The target of a row that takes no part in the loss. */
    public static final int IGNORE = -1;

    private CrossEntropy() {
    }

    /** {@code count[0]} = the number of the {@code n} targets that are not {@link #IGNORE}; one parallel row. */
    public static void countTargets(int[] targets, @Out int[] count, int n, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int valid = 0;
            for (int i = 0; i < n; i++) {
                valid += targets[i] != IGNORE ? 1 : 0;
            }
            count[0] = valid;
        }
    }

    /**
     * For each row of {@code vocab} logits: {@code losses[row] = logsumexp(x) − x[t]} and
     * {@code dLogits[row, :] = (softmax(x) − onehot(t)) / count[0]}, the gradient of the mean loss. A row whose
     * target is {@link #IGNORE} gets loss 0 and a zero gradient.
     */
    public static void softmaxCrossEntropy(float[] logits, int[] targets, int[] count, @Out float[] losses,
                                           @Out float[] dLogits, int vocab, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int row = rowOffset + r;
            int base = row * vocab;
            int target = targets[row];
            float max = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < vocab; c++) {
                max = Math.max(max, logits[base + c]);
            }
            float sum = 0f;
            for (int c = 0; c < vocab; c++) {
                float e = (float) Math.exp(logits[base + c] - max);
                dLogits[base + c] = e;
                sum += e;
            }
            boolean ignored = target == IGNORE;
            float weight = ignored ? 0f : 1f / count[0];
            float inv = 1f / sum;
            for (int c = 0; c < vocab; c++) {
                float p = dLogits[base + c] * inv;
                dLogits[base + c] = (c == target ? p - 1f : p) * weight;
            }
            losses[row] = ignored ? 0f : max + (float) Math.log(sum) - logits[base + (ignored ? 0 : target)];
        }
    }

    /**
     * {@code loss[0]} = the sum of the {@code n} per-row losses, in row order with compensated summation,
     * divided by {@code count[0]}: NaN when every target is ignored, as PyTorch's mean over no element. One
     * parallel row, so the result cannot depend on a split.
     */
    public static void meanLoss(float[] losses, int[] count, @Out float[] loss, int n, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            float[] acc = new float[KahanSum.STATE];
            KahanSum.clear(acc, 0);
            for (int i = 0; i < n; i++) {
                KahanSum.add(acc, 0, losses[i]);
            }
            loss[0] = acc[0] / count[0];
        }
    }
}

package dev.squall.tasks.optim;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;
import dev.squall.tasks.reduction.KahanSum;

/**
 * Global-norm gradient clipping as {@code torch.nn.utils.clip_grad_norm_} (checked against PyTorch's
 * {@code torch/nn/utils/clip_grad.py}): the total norm is the 2-norm of all gradients taken as one vector, and
 * every gradient is multiplied by {@code min(1, maxNorm / (total + 1e-6))} (PyTorch multiplies by the clamped
 * coefficient unconditionally, so a norm just at {@code maxNorm} is scaled by a hair below 1 too). Three
 * kernels: {@link #squaredNorms} per gradient tensor (fixed chunks of {@code chunk} elements, one partial sum
 * each, into its own slots of a shared {@code partials} array), {@link #clipCoefficient} (one parallel row: the
 * partials in slot order), {@link #scaleGradients} per tensor. The sums depend on the chunks and the slot order,
 * both fixed by the caller, never on the threads; they are compensated, so their error does not grow with the
 * parameter count. The coefficient stays in an array on the device: no host round trip.
 */
public final class GradClip {
    /** {@code norm} index: the total norm. */
    public static final int TOTAL = 0;
    /** {@code norm} index: the coefficient the gradients are multiplied by. */
    public static final int COEFFICIENT = 1;
    /** PyTorch's guard against division by zero. */
    public static final float EPS = 1e-6f;

    private GradClip() {
    }

    /** Partial sums the chunks of a tensor of {@code length} elements take: {@code ceil(length / chunk)}. */
    public static int chunks(int length, int chunk) {
        return (length + chunk - 1) / chunk;
    }

    /**
     * {@code partials[firstSlot + r] = Σ grad[i]²} over chunk {@code r} ({@code [r·chunk, (r+1)·chunk)} of the
     * tensor's {@code length} elements); parallel rows are the chunks ({@link #chunks}).
     */
    public static void squaredNorms(float[] grad, @Out float[] partials, int length, int chunk, int firstSlot,
                                    int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int c = rowOffset + r;
            int i1 = Math.min((c + 1) * chunk, length);
            float[] acc = new float[KahanSum.STATE];
            KahanSum.clear(acc, 0);
            for (int i = c * chunk; i < i1; i++) {
                KahanSum.add(acc, 0, grad[i] * grad[i]);
            }
            partials[firstSlot + c] = acc[0];
        }
    }

    /**
     * {@code norm[TOTAL]} = the square root of the sum of the {@code slots} partials, {@code norm[COEFFICIENT]} =
     * {@code min(1, maxNorm / (total + 1e-6))}; one parallel row.
     */
    public static void clipCoefficient(float[] partials, @Out float[] norm, int slots, float maxNorm, int rowOffset,
                                       int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            float[] acc = new float[KahanSum.STATE];
            KahanSum.clear(acc, 0);
            for (int s = 0; s < slots; s++) {
                KahanSum.add(acc, 0, partials[s]);
            }
            float total = (float) Math.sqrt(acc[0]);
            norm[TOTAL] = total;
            norm[COEFFICIENT] = Math.min(1f, maxNorm / (total + EPS));
        }
    }

    /** {@code grad[i] *= norm[COEFFICIENT]} over the tensor's {@code length} elements, in chunks as {@link #squaredNorms}. */
    public static void scaleGradients(@Out float[] grad, float[] norm, int length, int chunk, int rowOffset,
                                      int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            float coefficient = norm[COEFFICIENT];
            int i1 = Math.min((rowOffset + r + 1) * chunk, length);
            for (int i = (rowOffset + r) * chunk; i < i1; i++) {
                grad[i] *= coefficient;
            }
        }
    }
}

package dev.squall.tasks.precision;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;

/**
 * The kernels of mixed-precision training: rounding fp32 values to bf16 or fp16 precision, scaling gradients
 * (the loss scale of fp16 training and its inverse) and finding inf/NaN among them.
 *
 * <p>{@link #round} writes the rounded values as fp32 ({@code toFloat(fromFloat(x))}), not as {@code short}
 * bits: every existing kernel (GEMM, attention, norms) then computes on bf16/fp16 operands with fp32 accumulation
 * unchanged, which is the arithmetic of mixed-precision training on hardware with bf16/fp16 inputs and fp32
 * accumulators. Where the memory matters (activations saved for backward, weight copies), the same values are
 * stored as {@code short} bits by {@link BFloat16#encode}/{@link Half#encode} and read back exactly by
 * {@code decode}; {@code decode(encode(x)) == round(x)} bit for bit.
 *
 * <p>All kernels take a flat tensor of {@code length} elements in chunks of {@code chunk} (parallel rows:
 * {@code ceil(length / chunk)}, {@link dev.squall.tasks.optim.GradClip#chunks}), as the optimizer kernels do, so
 * one kernel serves weights and activations of any shape. Scale factors travel in arrays: one compiled graph
 * serves every step while the loss scale changes.
 *
 * <p>Overflow detection is deterministic and has no atomics: {@link #nonFiniteChunks} writes one flag per chunk
 * into its own slot of a shared {@code flags} array (several tensors, disjoint slot ranges), {@link #anyFlag}
 * reduces the slots in order on one parallel row.
 */
public final class MixedPrecision {
    /** {@link #round} format: bfloat16. */
    public static final int BF16 = 0;
    /** {@link #round} format: IEEE binary16. */
    public static final int FP16 = 1;

    private MixedPrecision() {
    }

    /**
     * {@code y[i] = x[i]} rounded to the nearest bf16 ({@code format = BF16}) or fp16 ({@code FP16}) value, ties
     * to even, as a float; overflow gives ±∞ (fp16 above 65504), NaN stays NaN. {@code y} may be {@code x}.
     */
    public static void round(float[] x, @Out float[] y, int format, int length, int chunk, int rowOffset,
                             int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int i1 = Math.min((rowOffset + r + 1) * chunk, length);
            for (int i = (rowOffset + r) * chunk; i < i1; i++) {
                y[i] = format == BF16 ? BFloat16.toFloat(BFloat16.fromFloat(x[i])) : Half.toFloat(Half.fromFloat(x[i]));
            }
        }
    }

    /**
     * {@code x[i] *= factor[0]} over the tensor: the loss scale applied to the loss gradient, or its inverse to
     * the parameter gradients (a power of two, so both are exact while the results stay normal).
     */
    public static void scale(@Out float[] x, float[] factor, int length, int chunk, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            float f = factor[0];
            int i1 = Math.min((rowOffset + r + 1) * chunk, length);
            for (int i = (rowOffset + r) * chunk; i < i1; i++) {
                x[i] *= f;
            }
        }
    }

    /**
     * {@code flags[firstSlot + r] = 1} when chunk {@code r} of {@code x} holds a NaN or ±∞, else 0
     * ({@code |v| <= Float.MAX_VALUE} is false exactly for those).
     */
    public static void nonFiniteChunks(float[] x, @Out int[] flags, int length, int chunk, int firstSlot,
                                       int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int c = rowOffset + r;
            int i1 = Math.min((c + 1) * chunk, length);
            int found = 0;
            for (int i = c * chunk; i < i1; i++) {
                found = Math.abs(x[i]) <= Float.MAX_VALUE ? found : 1;
            }
            flags[firstSlot + c] = found;
        }
    }

    /** {@code found[0] = 1} when any of {@code flags[0 .. slots)} is set, else 0; one parallel row. */
    public static void anyFlag(int[] flags, @Out int[] found, int slots, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int any = 0;
            for (int s = 0; s < slots; s++) {
                any = flags[s] != 0 ? 1 : any;
            }
            found[0] = any;
        }
    }
}

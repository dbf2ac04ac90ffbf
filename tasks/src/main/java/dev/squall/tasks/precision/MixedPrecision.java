package dev.squall.tasks.precision;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;

/**
 * The kernels of mixed-precision training: rounding fp32 values to bf16 or fp16 precision, scaling gradients
 * (the loss scale of fp16 training and its inverse) and finding inf/NaN among them.
 *
 * <p>{@link #roundBf16} and {@link #roundFp16} write the rounded values as fp32 ({@code toFloat(fromFloat(x))}),
 * not as {@code short} bits: every existing kernel (GEMM, attention, norms) then computes on bf16/fp16 operands with fp32 accumulation
 * unchanged, which is the arithmetic of mixed-precision training on hardware with bf16/fp16 inputs and fp32
 * accumulators. Where the memory matters (activations saved for backward, weight copies), the same values are
 * stored as {@code short} bits by {@link BFloat16#encode}/{@link Half#encode} and read back exactly by
 * {@code decode}; {@code decode(encode(x))} equals the rounded value bit for bit.
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
    private MixedPrecision() {
    }

    /**
     * {@code y[i] = x[i]} rounded to the nearest bf16 value, ties to even, as a float; NaN stays NaN (canonical).
     * {@code y} may be {@code x}.
     */
    public static void roundBf16(float[] x, @Out float[] y, int length, int chunk, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int i1 = Math.min((rowOffset + r + 1) * chunk, length);
            for (int i = (rowOffset + r) * chunk; i < i1; i++) {
                y[i] = BFloat16.toFloat(BFloat16.fromFloat(x[i]));
            }
        }
    }

    /**
     * {@code y[i] = x[i]} rounded to the nearest fp16 value, ties to even, as a float; beyond 65504 (from 65520)
     * ±∞, NaN stays NaN (canonical). {@code y} may be {@code x}. (One kernel per format: a kernel with both
     * conversions crashed PoCL's compiler.)
     */
    public static void roundFp16(float[] x, @Out float[] y, int length, int chunk, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int i1 = Math.min((rowOffset + r + 1) * chunk, length);
            for (int i = (rowOffset + r) * chunk; i < i1; i++) {
                y[i] = Half.toFloat(Half.fromFloat(x[i]));
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
     * {@code flags[firstSlot + r] = 1} when chunk {@code r} of {@code x} holds a NaN or ±∞, else 0.
     */
    public static void nonFiniteChunks(float[] x, @Out int[] flags, int length, int chunk, int firstSlot,
                                       int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int c = rowOffset + r;
            int i1 = Math.min((c + 1) * chunk, length);
            int found = 0;
            for (int i = c * chunk; i < i1; i++) {
                // x − x is 0 for finite x, NaN for ±∞ and NaN; a != test, which TornadoVM 5.2 compiles right
                // for NaN (it inverted |x| <= MAX_VALUE into |x| > MAX_VALUE, false for NaN)
                found = x[i] - x[i] != 0f ? 1 : found;
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

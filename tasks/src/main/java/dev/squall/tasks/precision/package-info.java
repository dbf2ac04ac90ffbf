/**
 * Reduced-precision storage with fp32 arithmetic.
 *
 * <p>{@link dev.squall.tasks.precision.Half} (IEEE binary16) and {@link dev.squall.tasks.precision.BFloat16}
 * (the upper half of a binary32) hold values as raw bits in {@code short}s and convert them with integer
 * operations and exact float arithmetic ({@link dev.squall.tasks.precision.Rounding}), because TornadoVM
 * cannot compile {@code Float.floatToIntBits}, {@code intBitsToFloat} or {@code floatToRawIntBits}. Both
 * round to nearest, ties to even, handle subnormals, signed zeros, overflow to ±∞ and NaN (canonical NaN), and
 * are tested bit for bit against {@code Float.floatToFloat16}/{@code float16ToFloat} and a bf16 reference.
 * {@code Float.float16ToFloat} is on the kernel allow-list but unproven on TornadoVM, so kernels use
 * {@link dev.squall.tasks.precision.Half#toFloat} instead.
 *
 * <p>{@link dev.squall.tasks.precision.DenseGemm} multiplies fp32 activations with an fp32, fp16 or bf16 weight
 * stored by output rows ({@code W[n, k]}, the common layout of the compressed formats, see
 * {@code dev.squall.tasks.quant}), accumulating in fp32. Storage error: {@code |w − ŵ| <= 2⁻¹¹|w|} for fp16
 * (normal range, {@code |w| < 65520}; smaller weights lose relative precision as subnormals),
 * {@code <= 2⁻⁸|w|} for bf16.
 *
 * <p>{@link dev.squall.tasks.precision.MixedPrecision} holds the kernels of mixed-precision training: rounding fp32
 * arrays to bf16/fp16 values (kept as fp32), scaling gradients by a loss scale, and finding inf/NaN without atomics.
 */
package dev.squall.tasks.precision;

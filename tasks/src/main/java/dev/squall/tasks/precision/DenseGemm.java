package dev.squall.tasks.precision;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;
import dev.squall.tasks.gemm.Gemm;

/**
 * GEMM with a dense weight stored by output rows, {@code W[n, k]} row-major (PyTorch's {@code [out, in]}), in
 * fp32, fp16 or bf16, always accumulated in fp32: {@code y[i, j] = act(Σ_p x[i, p] · W[j, p] (+ bias[j]))}.
 * Halves and bfloat16 values are widened inside the inner loop ({@link Half#toFloat}, {@link BFloat16#toFloat});
 * no fp32 copy of the weight exists. Parallel rows are the {@code n} output features, so the same kernel is
 * the decode-time GEMV ({@code m = 1}) and the prefill GEMM; each output is summed in ascending {@code p}.
 *
 * <p>The fp32 kernel is the baseline the compressed formats (same layout, same loop order) are measured
 * against; {@code Gemm.tiledMatmul} with the transposed weight is the other fp32 baseline.
 */
public final class DenseGemm {
    private DenseGemm() {
    }

    /** {@code y[m, n] = act(x[m, k] · Wᵀ (+ bias))} with {@code W[n, k]} in fp32. */
    public static void gemmF32(float[] x, float[] w, float[] bias, @Out float[] y, int m, int n, int k, int hasBias,
                               int activation, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int j = rowOffset + r;
            for (@Parallel int i = 0; i < m; i++) {
                float acc = 0f;
                for (int p = 0; p < k; p++) {
                    acc += x[i * k + p] * w[j * k + p];
                }
                y[i * n + j] = Gemm.epilogue(acc, bias, j, hasBias, activation);
            }
        }
    }

    /** {@code y[m, n] = act(x[m, k] · Wᵀ (+ bias))} with {@code W[n, k]} as fp16 bits. */
    public static void gemmF16(float[] x, short[] w, float[] bias, @Out float[] y, int m, int n, int k, int hasBias,
                               int activation, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int j = rowOffset + r;
            for (@Parallel int i = 0; i < m; i++) {
                float acc = 0f;
                for (int p = 0; p < k; p++) {
                    acc += x[i * k + p] * Half.toFloat(w[j * k + p]);
                }
                y[i * n + j] = Gemm.epilogue(acc, bias, j, hasBias, activation);
            }
        }
    }

    /** {@code y[m, n] = act(x[m, k] · Wᵀ (+ bias))} with {@code W[n, k]} as bfloat16 bits. */
    public static void gemmBf16(float[] x, short[] w, float[] bias, @Out float[] y, int m, int n, int k, int hasBias,
                                int activation, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int j = rowOffset + r;
            for (@Parallel int i = 0; i < m; i++) {
                float acc = 0f;
                for (int p = 0; p < k; p++) {
                    acc += x[i * k + p] * BFloat16.toFloat(w[j * k + p]);
                }
                y[i * n + j] = Gemm.epilogue(acc, bias, j, hasBias, activation);
            }
        }
    }
}

package dev.squall.tasks.quant;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;
import dev.squall.tasks.gemm.Gemm;

/**
 * GEMM with symmetric int8 weights and one fp32 scale per group of {@code groupSize} consecutive weights of a
 * row: {@code ŵ[j, p] = s[j, p / groupSize] · q[j, p]}. Per-row int8 is the case {@code groupSize = k}.
 * Layout and definition in the package documentation. Dequantised inside the inner loop.
 */
public final class Int8Weights {
    private Int8Weights() {
    }

    /**
     * {@code y[m, n] = act(x[m, k] · Ŵᵀ (+ bias))} for the int8 weight {@code Ŵ[n, k]} in {@code q} and
     * {@code scales} ({@code n · ceil(k / groupSize)} floats). Parallel rows are the {@code n} output features.
     */
    public static void gemm(float[] x, byte[] q, float[] scales, float[] bias, @Out float[] y, int m, int n, int k,
                            int groupSize, int hasBias, int activation, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int j = rowOffset + r;
            for (@Parallel int i = 0; i < m; i++) {
                y[i * n + j] = Gemm.epilogue(dot(x, i * k, q, scales, j, k, groupSize), bias, j, hasBias,
                        activation);
            }
        }
    }

    /** {@code Σ_p x[xBase + p] · ŵ[row, p]}: each group's integer-weighted sum, then its scale. */
    public static float dot(float[] x, int xBase, byte[] q, float[] scales, int row, int k, int groupSize) {
        int groups = (k + groupSize - 1) / groupSize;
        float acc = 0f;
        for (int g = 0; g < groups; g++) {
            int p0 = g * groupSize;
            int p1 = Math.min(p0 + groupSize, k);
            float s = 0f;
            for (int p = p0; p < p1; p++) {
                s += x[xBase + p] * q[row * k + p];
            }
            acc += s * scales[row * groups + g];
        }
        return acc;
    }
}

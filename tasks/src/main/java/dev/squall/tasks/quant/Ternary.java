package dev.squall.tasks.quant;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;
import dev.squall.tasks.gemm.Gemm;

/**
 * GEMM with ternary weights (BitNet b1.58): {@code ŵ[j, p] = γ_j · t[j, p]}, {@code t ∈ {−1, 0, +1}} packed
 * 2 bits per weight as two bit planes per word of 32 weights ({@code +1} plane, then {@code −1} plane; see
 * the package documentation). The products need no multiplication: each weight adds, subtracts or skips its
 * activation, and the row's scale multiplies the sum once.
 */
public final class Ternary {
    /** Weights per 32-bit word of a plane. */
    public static final int WORD = 32;

    private Ternary() {
    }

    /**
     * {@code y[m, n] = act(x[m, k] · Ŵᵀ (+ bias))} for the ternary weight in {@code planes} and {@code scales}
     * ({@code n} floats). Parallel rows are the {@code n} output features.
     */
    public static void gemm(float[] x, int[] planes, float[] scales, float[] bias, @Out float[] y, int m, int n,
                            int k, int hasBias, int activation, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int j = rowOffset + r;
            for (@Parallel int i = 0; i < m; i++) {
                y[i * n + j] = Gemm.epilogue(dot(x, i * k, planes, j, k) * scales[j], bias, j, hasBias, activation);
            }
        }
    }

    /** {@code Σ_p x[xBase + p] · t[row, p]}, the unscaled sum of row {@code row}. */
    public static float dot(float[] x, int xBase, int[] planes, int row, int k) {
        int words = (k + WORD - 1) / WORD;
        float acc = 0f;
        for (int w = 0; w < words; w++) {
            int plus = planes[(row * words + w) * 2];
            int minus = planes[(row * words + w) * 2 + 1];
            int p0 = w * WORD;
            int len = Math.min(WORD, k - p0);
            for (int t = 0; t < len; t++) {
                float v = x[xBase + p0 + t];
                acc += ((plus >>> t) & 1) != 0 ? v : 0f;
                acc -= ((minus >>> t) & 1) != 0 ? v : 0f;
            }
        }
        return acc;
    }
}

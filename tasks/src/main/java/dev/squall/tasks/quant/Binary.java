package dev.squall.tasks.quant;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;
import dev.squall.tasks.gemm.Gemm;

/**
 * GEMM with binary weights: {@code ŵ[j, p] = α_j · (bit ? +1 : −1)}, one bit per weight, 32 to a word (see
 * the package documentation). Each weight adds or subtracts its activation; the row's scale multiplies the
 * sum once.
 */
public final class Binary {
    /** Weights per 32-bit word. */
    public static final int WORD = 32;

    private Binary() {
    }

    /**
     * {@code y[m, n] = act(x[m, k] · Ŵᵀ (+ bias))} for the binary weight in {@code bits} and {@code scales}
     * ({@code n} floats). Parallel rows are the {@code n} output features.
     */
    public static void gemm(float[] x, int[] bits, float[] scales, float[] bias, @Out float[] y, int m, int n, int k,
                            int hasBias, int activation, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int j = rowOffset + r;
            for (@Parallel int i = 0; i < m; i++) {
                y[i * n + j] = Gemm.epilogue(dot(x, i * k, bits, j, k) * scales[j], bias, j, hasBias, activation);
            }
        }
    }

    /** {@code Σ_p ±x[xBase + p]} with the signs of row {@code row}, unscaled. */
    public static float dot(float[] x, int xBase, int[] bits, int row, int k) {
        int words = (k + WORD - 1) / WORD;
        float acc = 0f;
        for (int w = 0; w < words; w++) {
            int word = bits[row * words + w];
            int p0 = w * WORD;
            int len = Math.min(WORD, k - p0);
            for (int t = 0; t < len; t++) {
                float v = x[xBase + p0 + t];
                acc += ((word >>> t) & 1) != 0 ? v : -v;
            }
        }
        return acc;
    }
}

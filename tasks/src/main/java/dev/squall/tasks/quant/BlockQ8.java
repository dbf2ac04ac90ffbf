package dev.squall.tasks.quant;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;
import dev.squall.tasks.gemm.Gemm;
import dev.squall.tasks.precision.Half;
import dev.squall.tasks.precision.Rounding;

/**
 * GEMM with Q8_0 weights (ggml's {@code block_q8_0}: 32 signed bytes and one fp16 scale per block of 32
 * weights along the input dimension; layout and definition in the package documentation):
 * {@code y[i, j] = act(Σ_b d_jb · Σ_t x[i, 32b+t]·q_jbt (+ bias[j]))}. The weights are dequantised inside
 * the inner loop, one block at a time; no fp32 weight is ever stored.
 */
public final class BlockQ8 {
    /** Weights per block. */
    public static final int BLOCK = 32;

    private BlockQ8() {
    }

    /**
     * {@code y[m, n] = act(x[m, k] · Ŵᵀ (+ bias))} for the Q8_0 weight {@code Ŵ[n, k]} in {@code qs} and
     * {@code d}. Parallel rows are the {@code n} output features (a GEMV when {@code m = 1}); each also runs
     * over the {@code m} activation rows.
     */
    public static void gemm(float[] x, byte[] qs, short[] d, float[] bias, @Out float[] y, int m, int n, int k,
                            int hasBias, int activation, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int j = rowOffset + r;
            for (@Parallel int i = 0; i < m; i++) {
                y[i * n + j] = Gemm.epilogue(dot(x, i * k, qs, d, j, k), bias, j, hasBias, activation);
            }
        }
    }

    /** {@code Σ_p x[xBase + p] · ŵ[row, p]} over {@code p < k}: each block's integer-weighted sum, then its scale. */
    public static float dot(float[] x, int xBase, byte[] qs, short[] d, int row, int k) {
        int blocks = (k + BLOCK - 1) / BLOCK;
        float acc = 0f;
        for (int b = 0; b < blocks; b++) {
            int block = row * blocks + b;
            int p0 = b * BLOCK;
            int len = Math.min(BLOCK, k - p0);
            float s = 0f;
            for (int t = 0; t < len; t++) {
                s += x[xBase + p0 + t] * qs[block * BLOCK + t];
            }
            acc += s * Half.toFloat(d[block]);
        }
        return acc;
    }
    /**
     * Quantises rows of {@code x[m, k]} into Q8_0 blocks as ggml's {@code quantize_row_q8_0_ref} does (see the
     * package documentation): {@code B = ceil(k/32)} blocks per row, a partial last block padded with zeros.
     * Parallel rows are the {@code m} rows; used for weights when they are packed and for activations at run
     * time (Q4_0 × Q8_0, {@link BlockQ4#gemmQ8}).
     */
    public static void quantizeRows(float[] x, @Out byte[] qs, @Out short[] d, int k, int rowOffset, int rowCount) {
        int blocks = (k + BLOCK - 1) / BLOCK;
        for (@Parallel int r = 0; r < rowCount; r++) {
            int i = rowOffset + r;
            for (int b = 0; b < blocks; b++) {
                int from = i * k + b * BLOCK;
                int len = Math.min(BLOCK, k - b * BLOCK);
                float amax = 0f;
                for (int t = 0; t < len; t++) {
                    amax = Math.max(amax, Math.abs(x[from + t]));
                }
                float scale = amax / 127;
                float id = scale != 0f ? 1f / scale : 0f;
                int block = i * blocks + b;
                d[block] = Half.fromFloat(scale);
                for (int t = 0; t < BLOCK; t++) {
                    qs[block * BLOCK + t] = (byte) (t < len ? Rounding.halfAway(x[from + Math.min(t, len - 1)] * id) : 0);
                }
            }
        }
    }
}

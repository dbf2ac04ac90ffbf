package dev.squall.tasks.quant;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;
import dev.squall.tasks.gemm.Gemm;
import dev.squall.tasks.precision.Half;

/**
 * GEMM with Q4_0 weights (ggml's {@code block_q4_0}: 16 bytes of nibbles and one fp16 scale per block of 32
 * weights; byte {@code t} holds weight {@code t} in its low nibble and weight {@code t + 16} in its high
 * nibble, each stored with an offset of 8; see the package documentation):
 * {@code ŵ = d · (nibble − 8)}. Dequantised inside the inner loop; no fp32 weight is ever stored.
 */
public final class BlockQ4 {
    /** Weights per block. */
    public static final int BLOCK = 32;
    /** Bytes of nibbles per block. */
    public static final int BLOCK_BYTES = BLOCK / 2;

    private BlockQ4() {
    }

    /**
     * {@code y[m, n] = act(x[m, k] · Ŵᵀ (+ bias))} for the Q4_0 weight {@code Ŵ[n, k]} in {@code qs} and
     * {@code d}. Parallel rows are the {@code n} output features (a GEMV when {@code m = 1}).
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

    /**
     * Weight {@code t} of block {@code block} without its scale, {@code nibble − 8} in {@code [−8, 7]}: the low
     * nibble of byte {@code t} for {@code t < 16}, the high nibble of byte {@code t − 16} after.
     */
    public static int weight(byte[] qs, int block, int t) {
        int packed = qs[block * BLOCK_BYTES + (t % BLOCK_BYTES)];
        return (t < BLOCK_BYTES ? packed & 0xf : (packed >> 4) & 0xf) - 8;
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
                s += x[xBase + p0 + t] * weight(qs, block, t);
            }
            acc += s * Half.toFloat(d[block]);
        }
        return acc;
    }
    /**
     * Q4_0 × Q8_0, as ggml runs Q4_0 on the CPU: the activations {@code x[m, k]} quantised into Q8_0 blocks
     * ({@link BlockQ8#quantizeRows}: {@code xq}, fp16 scales {@code xd}), each block's products summed in
     * integers and scaled by both fp16 scales: {@code y[i, j] = act(Σ_b d_w[j,b]·d_x[i,b]·Σ_t (nibble − 8)·q_x
     * (+ bias))}, the blocks summed in fp32 in order. Parallel rows are the {@code n} output features.
     */
    public static void gemmQ8(byte[] xq, short[] xd, byte[] qs, short[] d, float[] bias, @Out float[] y, int m, int n,
                              int k, int hasBias, int activation, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int j = rowOffset + r;
            for (@Parallel int i = 0; i < m; i++) {
                y[i * n + j] = Gemm.epilogue(dotQ8(xq, xd, i, qs, d, j, k, 0), bias, j, hasBias, activation);
            }
        }
    }

    /**
     * {@code Σ_{b >= fromBlock} d_w[row,b]·d_x[xRow,b]·Σ_t (nibble − 8)·q_x} of {@link #gemmQ8}. Each product is
     * formed in float (exact), as in {@link Int8Activations#integerDot}, for TornadoVM's byte arithmetic.
     */
    public static float dotQ8(byte[] xq, short[] xd, int xRow, byte[] qs, short[] d, int row, int k, int fromBlock) {
        int blocks = (k + BLOCK - 1) / BLOCK;
        float acc = 0f;
        for (int b = fromBlock; b < blocks; b++) {
            int block = row * blocks + b;
            int xBlock = xRow * blocks + b;
            int len = Math.min(BLOCK, k - b * BLOCK);
            int s = 0;
            for (int t = 0; t < len; t++) {
                s += (int) (weight(qs, block, t) * (float) xq[xBlock * BLOCK + t]);
            }
            acc += s * (Half.toFloat(d[block]) * Half.toFloat(xd[xBlock]));
        }
        return acc;
    }
}

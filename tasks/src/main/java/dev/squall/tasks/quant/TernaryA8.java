package dev.squall.tasks.quant;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;
import dev.squall.tasks.gemm.Gemm;

/**
 * BitNet b1.58 as published, W1.58A8: ternary weights ({@code ŵ[j, p] = γ_j·t}, {@code t ∈ {−1, 0, +1}}, the
 * absmean quantisation of {@link Ternary}) times activations quantised to int8 per row when they arrive
 * ({@link Int8Activations#quantizeRows}, absmax scale {@code s_x[i]}), summed exactly in integers:
 * {@code y[i, j] = act(Σ_p t[j, p]·q_x[i, p] · (s_x[i]·γ_j) (+ bias[j]))}.
 *
 * <p>Layout: a 2-bit code {@code c = t + 1} per weight; each row is stored as {@code G = ceil(k/128)} groups of
 * 128 weights, 8 words per group. Reading the 8 words as 16 little-endian 16-bit lanes, lane {@code l} holds
 * the codes of weights {@code 16s + l}, {@code s = 0..7}, in its bits {@code 2s, 2s + 1}: word
 * {@code (j·G + g)·8 + l/2}, bit {@code 16·(l mod 2) + 2s} holds weight {@code 128g + 16s + l}. So one 256-bit
 * load gives 16 consecutive weights per shift of 2 bits, with no cross-lane shuffles (the JVM fast path
 * multiplies them with 16 activations in 16-bit lanes). Weights beyond {@code k} are code 1 (zero) and never
 * read; code 3 is never written.
 */
public final class TernaryA8 {
    /** Weights per group. */
    public static final int GROUP = 128;
    /** 32-bit words per group. */
    public static final int GROUP_WORDS = 8;

    private TernaryA8() {
    }

    /**
     * {@code y[m, n]} as defined above, for the int8 activations {@code qx[m, k]} with row scales {@code sx}, the
     * codes and the {@code n} weight scales γ. Parallel rows are the {@code n} output features.
     */
    public static void gemm(byte[] qx, float[] sx, int[] codes, float[] scales, float[] bias, @Out float[] y, int m,
                            int n, int k, int hasBias, int activation, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int j = rowOffset + r;
            for (@Parallel int i = 0; i < m; i++) {
                float acc = dot(qx, i * k, codes, j, k, 0) * (sx[i] * scales[j]);
                y[i * n + j] = Gemm.epilogue(acc, bias, j, hasBias, activation);
            }
        }
    }

    /**
     * {@code Σ_{from <= p < k} t[row, p]·qx[xBase + p]}, exact in {@code int}. Each product is formed in float
     * (exact), as in {@link Int8Activations#integerDot}, for TornadoVM's byte arithmetic.
     */
    public static int dot(byte[] qx, int xBase, int[] codes, int row, int k, int from) {
        int groups = (k + GROUP - 1) / GROUP;
        int acc = 0;
        for (int p = from; p < k; p++) {
            acc += (int) ((code(codes, row * groups + p / GROUP, p % GROUP) - 1) * (float) qx[xBase + p]);
        }
        return acc;
    }

    /** The code of weight {@code t} ({@code < 128}) of group {@code group} (counted from the array's start). */
    public static int code(int[] codes, int group, int t) {
        int lane = t % 16;
        return (codes[group * GROUP_WORDS + lane / 2] >>> (16 * (lane % 2) + 2 * (t / 16))) & 3;
    }
}

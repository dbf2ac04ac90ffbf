package dev.squall.engine.jvm.fast.attention;

import dev.squall.engine.jvm.FastPath;
import dev.squall.engine.jvm.FastPathFor;
import dev.squall.engine.jvm.fast.driver.GemmDriver;
import dev.squall.tasks.activation.Activations;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.attention.DenseAttention;

/**
 * Fast paths of the unfused attention kernels {@link DenseAttention#scores} and
 * {@link DenseAttention#weightedSum}. A slice of parallel rows {@code (token, head)} is regrouped into runs
 * of consecutive tokens of one sequence and one head, and each run is one blocked GEMM of
 * {@link GemmDriver} ({@code Q·Kᵀ}, or {@code P·V}), the same machinery as {@link FusedAttentionVector}, so
 * that fused-versus-unfused comparisons compare algorithms, not code quality.
 */
@FastPathFor(DenseAttention.class)
public final class DenseAttentionVector implements FastPath {
    /** For {@link java.util.ServiceLoader}, which only reads the class: never called. */
    public DenseAttentionVector() {
    }

    /** The rows of a run: tokens {@code [t0, t1)} of the sequence starting at {@code start}, head {@code h}. */
    interface Run {
        void apply(int t0, int t1, int start, int len, int h);
    }

    /** Fast {@link DenseAttention#scores}. */
    public static void scores(float[] q, float[] k, float[] mask, float[] s, int[] seqStart, int heads, int d,
                              int ld, int kCol, int maskFlags, int maxLen, int rowOffset, int rowCount) {
        float scale = AttentionMask.scale(d);
        boolean causal = (maskFlags & AttentionMask.CAUSAL) != 0;
        boolean additive = (maskFlags & AttentionMask.ADDITIVE) != 0;
        boolean keyPadding = (maskFlags & AttentionMask.KEY_PADDING) != 0;
        int keyMask = additive ? maxLen * maxLen : 0;
        int lds = heads * maxLen;
        runs(seqStart, heads, rowOffset, rowCount, (t0, t1, start, len, h) -> {
            // Causal: no token of the run sees keys past its last token; the masked ones are overwritten below.
            int keys = causal ? t1 - start : len;
            GemmDriver.product(new GemmDriver.Matrix(q, ld, t0, h * d), new GemmDriver.Matrix(k, ld, start, kCol + h * d),
                    true, s, t0 * lds + h * maxLen, lds, t1 - t0, keys, d, false, null, 0, Activations.IDENTITY);
            for (int t = t0; t < t1; t++) {
                int base = (t * heads + h) * maxLen;
                int i = t - start;
                int visible = causal ? i + 1 : len;
                for (int j = 0; j < visible; j++) {
                    float v = s[base + j] * scale;
                    if (additive) {
                        v += mask[i * maxLen + j];
                    }
                    s[base + j] = keyPadding ? v + mask[keyMask + start + j] : v;
                }
                java.util.Arrays.fill(s, base + visible, base + maxLen, Float.NEGATIVE_INFINITY);
            }
        });
    }

    /** Fast {@link DenseAttention#weightedSum}. */
    public static void weightedSum(float[] p, float[] v, float[] out, int[] seqStart, int heads, int d, int ld,
                                   int vCol, int maxLen, int rowOffset, int rowCount) {
        int od = heads * d;
        runs(seqStart, heads, rowOffset, rowCount, (t0, t1, start, len, h) -> {
            if (len == 0) {
                return;
            }
            GemmDriver.product(new GemmDriver.Matrix(p, heads * maxLen, t0, h * maxLen),
                    new GemmDriver.Matrix(v, ld, start, vCol + h * d), false, out, t0 * od + h * d, od, t1 - t0, d,
                    len, false, null, 0, Activations.IDENTITY);
        });
    }

    /**
     * Splits rows {@code [rowOffset, rowOffset + rowCount)} ({@code row = token·heads + head}) into maximal
     * runs of consecutive tokens of one sequence with the same head.
     */
    static void runs(int[] seqStart, int heads, int rowOffset, int rowCount, Run run) {
        if (rowCount <= 0) {
            return;
        }
        int firstToken = rowOffset / heads;
        int lastToken = (rowOffset + rowCount - 1) / heads;
        for (int h = 0; h < heads; h++) {
            int t0 = rowOffset <= firstToken * heads + h ? firstToken : firstToken + 1;
            int t1 = rowOffset + rowCount > lastToken * heads + h ? lastToken + 1 : lastToken;
            int t = t0;
            while (t < t1) {
                int b = AttentionMask.sequenceOf(seqStart, t);
                int end = Math.min(t1, seqStart[b + 1]);
                run.apply(t, end, seqStart[b], seqStart[b + 1] - seqStart[b], h);
                t = end;
            }
        }
    }
}

package dev.squall.tasks.attention;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;

/**
 * Backward of sliding-window attention ({@link WindowAttention#attentionWithLse}), in the FlashAttention-2 manner of
 * {@link FusedAttentionBackward}, whose kernels these are with a window radius: after
 * {@link FusedAttentionBackward#outputDots}, {@link #queryGradient} (one parallel row per query block, over the key
 * tiles of the block's window) and {@link #keyValueGradient} (one parallel row per key block, over the query tiles
 * of the queries that see it) recompute {@code P = exp(Q·Kᵀ/√d − L)} and {@code dS = P∘(dO·Vᵀ − D)} tile by tile,
 * with 0 outside the window. No atomics: every gradient element has one owner and sums in ascending order, whatever
 * the split. Work {@code O(n·(W + 64)·d)} per kernel, memory O(n·d) (the saved output, {@code lse}, {@code D}); with
 * {@code W} at least the sequence length the gradients are bit-identical to {@link FusedAttentionBackward}'s.
 * Layout and parallel rows as {@link FusedAttentionBackward}.
 */
public final class WindowAttentionBackward {
    private WindowAttentionBackward() {
    }

    /** {@link FusedAttentionBackward#queryGradient} over the keys within {@code radius} of each query. */
    public static void queryGradient(float[] qkv, float[] dOut, float[] lse, float[] delta, @Out float[] dqkv,
                                     int[] seqStart, int heads, int d, int ld, int kCol, int vCol, int causal,
                                     int radius, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            float[] p = new float[FusedAttentionBackward.TILE];
            float[] ds = new float[FusedAttentionBackward.TILE];
            FusedAttentionBackward.queryBlock(qkv, dOut, lse, delta, dqkv, p, ds, seqStart, rowOffset + r, heads, d, ld,
                    kCol, vCol, causal, radius);
        }
    }

    /** {@link FusedAttentionBackward#keyValueGradient} over the queries within {@code radius} of each key. */
    public static void keyValueGradient(float[] qkv, float[] dOut, float[] lse, float[] delta, @Out float[] dqkv,
                                        int[] seqStart, int heads, int d, int ld, int kCol, int vCol, int causal,
                                        int radius, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            float[] p = new float[FusedAttentionBackward.TILE];
            float[] ds = new float[FusedAttentionBackward.TILE];
            FusedAttentionBackward.keyBlock(qkv, dOut, lse, delta, dqkv, p, ds, seqStart, rowOffset + r, heads, d, ld,
                    kCol, vCol, causal, radius);
        }
    }
}

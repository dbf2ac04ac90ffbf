package dev.squall.tasks.attention;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;

/**
 * Sliding-window attention and its relatives, fused (online softmax, no score matrix): local window,
 * dilated (atrous) window, and Longformer's window plus global tokens. Positions {@code i} (query) and
 * {@code j} (key) count from the start of their sequence of {@code n} tokens; query {@code i} sees key
 * {@code j} when
 * <ul>
 *   <li>{@code (i − j)} is divisible by the head's dilation {@code D} and {@code |i − j| ≤ W·D}
 *       (radius {@code W}; {@code D = 1} is the plain local window {@code |i − j| ≤ W}), or</li>
 *   <li>{@code i} or {@code j} is a global position: a global token attends to every key and every query
 *       attends to it (Longformer),</li>
 * </ul>
 * and, with {@link AttentionMask#CAUSAL}, {@code j ≤ i}. The dilated window follows the definition (as
 * Longformer and the atrous-attention literature do): {@code W} keys on each side, {@code D} apart.
 * Global positions at or past a sequence's end do not exist in that sequence.
 *
 * <p>Only the visible keys are ever touched: the window is walked with stride {@code D} from its first to
 * its last position inside the sequence, skipping global positions (added once, afterwards), so the cost
 * per query is {@code O((2W+1+G)·d)} (a global query costs {@code O(n·d)}) and working memory is a tile of
 * {@link KeyStream#TILE} scores. Parallel rows: {@link QueryBlocks}.
 *
 * <p>Loops leave only through their condition and branches test one comparison each (no {@code break}, early
 * {@code return} or {@code &&}/{@code ||} in conditions): TornadoVM 5.2 compiles such control flow wrongly (see
 * {@code tornado-config/README.md}).
 *
 * <p>The pattern descriptor {@code pattern} is {@code [FLAGS, RADIUS, DILATIONS, GLOBALS, dilation_0 ..
 * dilation_{DILATIONS−1}, global_0 .. global_{GLOBALS−1}]}: head {@code h} uses dilation
 * {@code dilation_{h mod DILATIONS}} (so one value serves all heads) and the global positions are strictly
 * ascending.
 *
 * <p>For training, {@link #attentionWithLse} is the plain local window (no dilation, no global tokens) in the
 * form of {@link FusedAttention#attentionWithLse}: query blocks of {@link FusedAttention#QUERY_BLOCK} against key
 * tiles of {@link FusedAttention#KEY_BLOCK} that cover only the block's window, writing each query's
 * log-sum-exp for {@link WindowAttentionBackward}. Same visibility as {@link #attention} with radius {@code W}
 * and dilation 1 (a causal query sees {@code W + 1} keys, itself included); equal to it within fp32 rounding
 * (the two sum in different orders), and bit-identical to the dense fused kernel when {@code W} is at least the
 * sequence length. Work {@code O(n·(W + QUERY_BLOCK)·d)}, memory: the output and {@code n} log-sum-exps.
 */
public final class WindowAttention {
    /** Descriptor index: {@link AttentionMask} flags ({@code CAUSAL} only). */
    public static final int FLAGS = 0;
    /** Descriptor index: window radius {@code W >= 0}. */
    public static final int RADIUS = 1;
    /** Descriptor index: number of dilation values (at least 1), each {@code >= 1}. */
    public static final int DILATIONS = 2;
    /** Descriptor index: number of global positions. */
    public static final int GLOBALS = 3;
    /** Descriptor index of the first dilation value; the global positions follow the dilations. */
    public static final int FIRST = 4;

    private WindowAttention() {
    }

    /** Attention output {@code out[t, h, :]} for the queries of the parallel rows (see the class comment). */
    public static void attention(float[] q, float[] k, float[] v, @Out float[] out, int[] seqStart, int[] pattern,
                                 int heads, int d, int ld, int kCol, int vCol, int rowOffset, int rowCount) {
        boolean causal = (pattern[FLAGS] & AttentionMask.CAUSAL) != 0;
        int radius = pattern[RADIUS];
        int globals = pattern[GLOBALS];
        int g0 = FIRST + pattern[DILATIONS];
        for (@Parallel int r = 0; r < rowCount; r++) {
            int[] at = new int[QueryBlocks.SIZE];
            QueryBlocks.locate(seqStart, heads, rowOffset + r, at);
            int h = at[QueryBlocks.HEAD];
            int start = at[QueryBlocks.START];
            int n = at[QueryBlocks.LENGTH];
            int dil = pattern[FIRST + h % pattern[DILATIONS]];
            int[] ctx = new int[KeyStream.CTX];
            int[] keys = new int[KeyStream.TILE];
            float[] scores = new float[KeyStream.TILE];
            float[] st = new float[KeyStream.STATE];
            for (int t = at[QueryBlocks.FIRST]; t < at[QueryBlocks.END]; t++) {
                int i = t - start;
                int last = causal ? i : n - 1;
                KeyStream.beginToken(ctx, st, out, t, h, heads, d, ld, kCol, vCol);
                if (isGlobal(pattern, g0, globals, i)) {
                    for (int j = 0; j <= last; j++) {
                        KeyStream.add(start + j, ctx, keys, scores, st, q, k, v, out);
                    }
                } else {
                    int lo = Math.min(radius, i / dil);
                    int hi = causal ? 0 : Math.min(radius, (n - 1 - i) / dil);
                    int g = 0; // index of the next global position not below the current key: skipped in the window
                    for (int m = -lo; m <= hi; m++) {
                        int j = i + m * dil;
                        int next = global(pattern, g0, globals, g);
                        while (next < j) {
                            g++;
                            next = global(pattern, g0, globals, g);
                        }
                        if (next != j) {
                            KeyStream.add(start + j, ctx, keys, scores, st, q, k, v, out);
                        }
                    }
                    for (int e = 0; e < globals; e++) {
                        int p = pattern[g0 + e];
                        if (p <= last) {
                            KeyStream.add(start + p, ctx, keys, scores, st, q, k, v, out);
                        }
                    }
                }
                KeyStream.end(ctx, keys, scores, st, q, k, v, out);
            }
        }
    }

    /**
     * Attention of each query over the keys {@code j} with {@code |i − j| <= radius} ({@code j <= i} when
     * {@code causal != 0}) of its sequence, and its log-sum-exp {@code lse[t·heads + h]}, as
     * {@link FusedAttention#attentionWithLse} (whose arguments these are, with the window radius added). Parallel
     * rows: {@link FusedAttention#rows}.
     */
    public static void attentionWithLse(float[] q, float[] k, float[] v, @Out float[] out, @Out float[] lse,
                                        int[] seqStart, int heads, int d, int ld, int kCol, int vCol, int causal,
                                        int radius, int rowOffset, int rowCount) {
        int maskFlags = causal != 0 ? AttentionMask.CAUSAL : 0;
        for (@Parallel int r = 0; r < rowCount; r++) {
            FusedAttention.attendWithLse(q, k, v, out, lse, seqStart, rowOffset + r, heads, d, ld, kCol, vCol,
                    maskFlags, radius);
        }
    }

    /**
     * Whether position {@code i} is among the {@code count} ascending positions at {@code pattern[from ..]}: a
     * binary search for the first position not below {@code i}.
     */
    public static boolean isGlobal(int[] pattern, int from, int count, int i) {
        int lo = 0;
        int hi = count;
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (pattern[from + mid] < i) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return global(pattern, from, count, lo) == i;
    }

    /** Global position {@code e} of the {@code count} at {@code pattern[from ..]}, or {@link Integer#MAX_VALUE} past the last. */
    static int global(int[] pattern, int from, int count, int e) {
        return e < count ? pattern[from + e] : Integer.MAX_VALUE;
    }
}

package dev.squall.tasks.attention;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;

/**
 * Fused multi-head attention (FlashAttention-style): each parallel row handles a block of
 * {@link #QUERY_BLOCK} queries of one (sequence, head) and streams over the keys in blocks of
 * {@link #KEY_BLOCK}, keeping a running maximum and sum per query (online softmax) and rescaling the
 * partial output in place. Only a {@code QUERY_BLOCK × KEY_BLOCK} score tile exists at any time, so
 * working memory is O(n·d), never O(n²). Causal attention skips the key blocks after the query block.
 * Query blocks never straddle two sequences.
 * Results equal {@link DenseAttention} followed by a softmax within fp32 rounding.
 */
public final class FusedAttention {
    /** Queries per parallel row. */
    public static final int QUERY_BLOCK = 16;
    /** Keys per score tile. */
    public static final int KEY_BLOCK = 64;

    private FusedAttention() {
    }

    /** Parallel rows for the sequences of {@code seqStart} and {@code heads} heads: one per (query block, head). */
    public static int rows(int[] seqStart, int batch, int heads) {
        int blocks = 0;
        for (int b = 0; b < batch; b++) {
            blocks += blocksOf(seqStart, b);
        }
        return blocks * heads;
    }

    /**
     * Attention output {@code out[t, h, :]} for every query of the parallel rows' query blocks; row
     * {@code blk·heads + h} is query block {@code blk} (counted over all sequences) of head {@code h}.
     */
    public static void attention(float[] q, float[] k, float[] v, float[] mask, @Out float[] out, int[] seqStart,
                                 int heads, int d, int ld, int kCol, int vCol, int maskFlags, int maxLen,
                                 int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int[] at = new int[QueryBlocks.SIZE];
            QueryBlocks.locate(seqStart, heads, rowOffset + r, at);
            int h = at[QueryBlocks.HEAD];
            int start = at[QueryBlocks.START];
            int end = start + at[QueryBlocks.LENGTH];
            int i0 = at[QueryBlocks.FIRST];
            int i1 = at[QueryBlocks.END];
            float[] runMax = new float[QUERY_BLOCK];
            float[] runSum = new float[QUERY_BLOCK];
            float[] tile = new float[QUERY_BLOCK * KEY_BLOCK];
            attendQueryBlock(q, k, v, mask, out, out, 0, runMax, runSum, tile, h, heads, d, ld, kCol, vCol, maskFlags,
                    maxLen, Integer.MAX_VALUE, start, end, i0, i1);
        }
    }

    /**
     * {@link #attention} that also writes each query's log-sum-exp of its scaled scores,
     * {@code lse[t·heads + h] = max_j s_j + log Σ_j e^{s_j − max}} (−∞ for a query that sees no key), which
     * {@link FusedAttentionBackward} needs to recompute the probabilities; {@code out} is bit-identical to
     * {@link #attention}'s. For training: causal ({@code causal != 0}) or not, no mask array. FlashAttention-2
     * saves the same two tensors, O(n·d) in all.
     */
    public static void attentionWithLse(float[] q, float[] k, float[] v, @Out float[] out, @Out float[] lse,
                                        int[] seqStart, int heads, int d, int ld, int kCol, int vCol, int causal,
                                        int rowOffset, int rowCount) {
        int maskFlags = causal != 0 ? AttentionMask.CAUSAL : 0;
        for (@Parallel int r = 0; r < rowCount; r++) {
            attendWithLse(q, k, v, out, lse, seqStart, rowOffset + r, heads, d, ld, kCol, vCol, maskFlags,
                    Integer.MAX_VALUE);
        }
    }

    /**
     * Query block {@code row} (a parallel row of {@link #attentionWithLse}) against the keys {@code j} with
     * {@code |i − j| <= radius} (and the mask flags): the body of the log-sum-exp kernels, dense and windowed.
     */
    static void attendWithLse(float[] q, float[] k, float[] v, float[] out, float[] lse, int[] seqStart, int row,
                              int heads, int d, int ld, int kCol, int vCol, int maskFlags, int radius) {
        int blk = row / heads;
        int b = QueryBlocks.sequence(seqStart, blk);
        int i0 = QueryBlocks.firstQuery(seqStart, b, blk);
        float[] runMax = new float[QUERY_BLOCK];
        float[] runSum = new float[QUERY_BLOCK];
        float[] tile = new float[QUERY_BLOCK * KEY_BLOCK];
        // No mask flag that reads the mask array is set, so q stands in for it unread.
        attendQueryBlock(q, k, v, q, out, lse, 1, runMax, runSum, tile, row % heads, heads, d, ld, kCol, vCol,
                maskFlags, 0, radius, seqStart[b], seqStart[b + 1], i0, QueryBlocks.endQuery(seqStart, b, i0));
    }

    /**
     * The online softmax of {@link #attention} for queries {@code [i0, i1)} of head {@code h} against the keys
     * of their sequence {@code [start, end)}, with the kernel's per-row scratch ({@code runMax}, {@code runSum}:
     * {@link #QUERY_BLOCK} floats; {@code tile}: {@code QUERY_BLOCK × KEY_BLOCK}). Writes the queries' log-sum-exp
     * to {@code lse} when {@code writeLse != 0}. Only keys {@code j} with {@code |i − j| <= radius} are visible
     * ({@link Integer#MAX_VALUE}: all); the key tiles start at the first key the block's first query sees, so
     * with a radius of at least the sequence length the tiles, and the bits, are those of dense attention.
     */
    static void attendQueryBlock(float[] q, float[] k, float[] v, float[] mask, float[] out, float[] lse, int writeLse,
                                 float[] runMax, float[] runSum, float[] tile, int h, int heads, int d, int ld,
                                 int kCol, int vCol, int maskFlags, int maxLen, int radius, int start, int end, int i0,
                                 int i1) {
        float scale = AttentionMask.scale(d);
        int od = heads * d;
        for (int i = i0; i < i1; i++) {
            runMax[i - i0] = Float.NEGATIVE_INFINITY;
            runSum[i - i0] = 0f;
            for (int c = 0; c < d; c++) {
                out[i * od + h * d + c] = 0f;
            }
        }
        int keyEnd = KeyRange.end((maskFlags & AttentionMask.CAUSAL) != 0 ? 1 : 0, radius, end, i1);
        for (int j0 = KeyRange.first(radius, start, i0); j0 < keyEnd; j0 += KEY_BLOCK) {
            int j1 = Math.min(j0 + KEY_BLOCK, keyEnd);
            for (int i = i0; i < i1; i++) {
                for (int j = j0; j < j1; j++) {
                    float s = AttentionMask.score(q, i * ld + h * d, k, j * ld + kCol + h * d, d, scale, mask,
                            maskFlags, maxLen, i - start, j - start) + AttentionMask.keyBias(mask, maskFlags, maxLen, j);
                    tile[(i - i0) * KEY_BLOCK + j - j0] = KeyRange.outside(radius, i, j) ? Float.NEGATIVE_INFINITY : s;
                }
            }
            for (int i = i0; i < i1; i++) {
                int t = (i - i0) * KEY_BLOCK;
                float blockMax = Float.NEGATIVE_INFINITY;
                for (int j = j0; j < j1; j++) {
                    blockMax = Math.max(blockMax, tile[t + j - j0]);
                }
                float newMax = Math.max(runMax[i - i0], blockMax);
                if (newMax == Float.NEGATIVE_INFINITY) {
                    continue; // every key so far is masked for this query
                }
                float correction = (float) Math.exp(runMax[i - i0] - newMax);
                int outBase = i * od + h * d;
                for (int c = 0; c < d; c++) {
                    out[outBase + c] *= correction;
                }
                float sum = runSum[i - i0] * correction;
                for (int j = j0; j < j1; j++) {
                    float p = (float) Math.exp(tile[t + j - j0] - newMax);
                    sum += p;
                    int vBase = j * ld + vCol + h * d;
                    for (int c = 0; c < d; c++) {
                        out[outBase + c] += p * v[vBase + c];
                    }
                }
                runSum[i - i0] = sum;
                runMax[i - i0] = newMax;
            }
        }
        if (writeLse != 0) {
            for (int i = i0; i < i1; i++) {
                lse[i * heads + h] = runSum[i - i0] > 0f ? runMax[i - i0] + (float) Math.log(runSum[i - i0])
                        : Float.NEGATIVE_INFINITY;
            }
        }
        for (int i = i0; i < i1; i++) {
            float inv = runSum[i - i0] > 0f ? 1f / runSum[i - i0] : 0f;
            int outBase = i * od + h * d;
            for (int c = 0; c < d; c++) {
                out[outBase + c] *= inv;
            }
        }
    }

    /** Query blocks of sequence {@code b}. */
    public static int blocksOf(int[] seqStart, int b) {
        return (seqStart[b + 1] - seqStart[b] + QUERY_BLOCK - 1) / QUERY_BLOCK;
    }
}

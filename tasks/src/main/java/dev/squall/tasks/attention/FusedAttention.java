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
        float scale = AttentionMask.scale(d);
        int od = heads * d;
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
            for (int i = i0; i < i1; i++) {
                runMax[i - i0] = Float.NEGATIVE_INFINITY;
                runSum[i - i0] = 0f;
                for (int c = 0; c < d; c++) {
                    out[i * od + h * d + c] = 0f;
                }
            }
            int keyEnd = (maskFlags & AttentionMask.CAUSAL) != 0 ? i1 : end;
            for (int j0 = start; j0 < keyEnd; j0 += KEY_BLOCK) {
                int j1 = Math.min(j0 + KEY_BLOCK, keyEnd);
                for (int i = i0; i < i1; i++) {
                    for (int j = j0; j < j1; j++) {
                        tile[(i - i0) * KEY_BLOCK + j - j0] = AttentionMask.score(q, i * ld + h * d, k,
                                j * ld + kCol + h * d, d, scale, mask, maskFlags, maxLen, i - start, j - start)
                                + AttentionMask.keyBias(mask, maskFlags, maxLen, j);
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
            for (int i = i0; i < i1; i++) {
                float inv = runSum[i - i0] > 0f ? 1f / runSum[i - i0] : 0f;
                int outBase = i * od + h * d;
                for (int c = 0; c < d; c++) {
                    out[outBase + c] *= inv;
                }
            }
        }
    }

    /** Query blocks of sequence {@code b}. */
    public static int blocksOf(int[] seqStart, int b) {
        return (seqStart[b + 1] - seqStart[b] + QUERY_BLOCK - 1) / QUERY_BLOCK;
    }
}

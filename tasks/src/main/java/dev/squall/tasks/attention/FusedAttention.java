package dev.squall.tasks.attention;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;

/**
 * Fused multi-head attention (FlashAttention-style): each parallel row handles a block of
 * {@link #QUERY_BLOCK} queries of one (sequence, head) and streams over the keys in blocks of
 * {@link #KEY_BLOCK}, keeping a running maximum and sum per query (online softmax) and rescaling the
 * partial output in place. Only a {@code QUERY_BLOCK × KEY_BLOCK} score tile exists at any time, so
 * working memory is O(n·d), never O(n²). Causal attention skips the key blocks after the query block.
 * Results equal {@link DenseAttention} followed by a softmax within fp32 rounding.
 */
public final class FusedAttention {
    /** Queries per parallel row. */
    public static final int QUERY_BLOCK = 16;
    /** Keys per score tile. */
    public static final int KEY_BLOCK = 64;

    private FusedAttention() {
    }

    /** Number of parallel rows for {@code batch} sequences of {@code n} tokens and {@code heads} heads. */
    public static int rows(int batch, int heads, int n) {
        return batch * heads * ((n + QUERY_BLOCK - 1) / QUERY_BLOCK);
    }

    /** Attention output {@code out[b, i, h, :]} for every query of the parallel rows' query blocks. */
    public static void attention(float[] q, float[] k, float[] v, float[] mask, @Out float[] out, int heads, int n,
                                 int d, int ld, int qCol, int kCol, int vCol, int maskFlags,
                                 int rowOffset, int rowCount) {
        float scale = AttentionMask.scale(d);
        int qBlocks = (n + QUERY_BLOCK - 1) / QUERY_BLOCK;
        int od = heads * d;
        for (@Parallel int r = 0; r < rowCount; r++) {
            int row = rowOffset + r;
            int bh = row / qBlocks;
            int i0 = (row % qBlocks) * QUERY_BLOCK;
            int i1 = Math.min(i0 + QUERY_BLOCK, n);
            int b = bh / heads;
            int h = bh % heads;
            float[] runMax = new float[QUERY_BLOCK];
            float[] runSum = new float[QUERY_BLOCK];
            float[] tile = new float[QUERY_BLOCK * KEY_BLOCK];
            for (int i = i0; i < i1; i++) {
                runMax[i - i0] = Float.NEGATIVE_INFINITY;
                runSum[i - i0] = 0f;
                for (int c = 0; c < d; c++) {
                    out[(b * n + i) * od + h * d + c] = 0f;
                }
            }
            int keyEnd = (maskFlags & AttentionMask.CAUSAL) != 0 ? i1 : n;
            for (int j0 = 0; j0 < keyEnd; j0 += KEY_BLOCK) {
                int j1 = Math.min(j0 + KEY_BLOCK, keyEnd);
                for (int i = i0; i < i1; i++) {
                    int qBase = (b * n + i) * ld + qCol + h * d;
                    for (int j = j0; j < j1; j++) {
                        int kBase = (b * n + j) * ld + kCol + h * d;
                        tile[(i - i0) * KEY_BLOCK + j - j0] =
                                AttentionMask.score(q, qBase, k, kBase, d, scale, mask, maskFlags, n, i, j);
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
                    int outBase = (b * n + i) * od + h * d;
                    for (int c = 0; c < d; c++) {
                        out[outBase + c] *= correction;
                    }
                    float sum = runSum[i - i0] * correction;
                    for (int j = j0; j < j1; j++) {
                        float p = (float) Math.exp(tile[t + j - j0] - newMax);
                        sum += p;
                        int vBase = (b * n + j) * ld + vCol + h * d;
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
                int outBase = (b * n + i) * od + h * d;
                for (int c = 0; c < d; c++) {
                    out[outBase + c] *= inv;
                }
            }
        }
    }
}

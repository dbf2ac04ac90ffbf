package dev.squall.engine.jvm.fast;

import dev.squall.engine.jvm.FastPathFor;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.attention.FusedAttention;

/**
 * Fast path of {@link FusedAttention#attention}: the same rows, query blocks, key blocks and online softmax,
 * with the {@code Q·Kᵀ} tile as vector dot products (four keys per query load), the exponentials of a tile
 * row as vector exponentials ({@link VectorMath#exp}), and {@code P·V} as vector FMAs into the output row.
 */
@FastPathFor(FusedAttention.class)
public final class VectorFusedAttention {
    private static final int QB = FusedAttention.QUERY_BLOCK;
    private static final int KB = FusedAttention.KEY_BLOCK;
    private static final ThreadLocal<float[]> TILE = ThreadLocal.withInitial(() -> new float[QB * KB]);

    private VectorFusedAttention() {
    }

    /** Fast {@link FusedAttention#attention}. */
    public static void attention(float[] q, float[] k, float[] v, float[] mask, float[] out, int[] seqStart,
                                 int heads, int d, int ld, int kCol, int vCol, int maskFlags, int maxLen,
                                 int rowOffset, int rowCount) {
        float scale = AttentionMask.scale(d);
        int od = heads * d;
        float[] tile = TILE.get();
        float[] runMax = new float[QB];
        float[] runSum = new float[QB];
        boolean causal = (maskFlags & AttentionMask.CAUSAL) != 0;
        boolean additive = (maskFlags & AttentionMask.ADDITIVE) != 0;
        int b = 0;
        int firstBlock = 0;
        for (int r = 0; r < rowCount; r++) {
            int row = rowOffset + r;
            int blk = row / heads;
            int h = row % heads;
            if (blk < firstBlock) {
                b = 0;
                firstBlock = 0;
            }
            while (blk >= firstBlock + FusedAttention.blocksOf(seqStart, b)) {
                firstBlock += FusedAttention.blocksOf(seqStart, b);
                b++;
            }
            int start = seqStart[b];
            int end = seqStart[b + 1];
            int i0 = start + (blk - firstBlock) * QB;
            int i1 = Math.min(i0 + QB, end);
            for (int i = i0; i < i1; i++) {
                runMax[i - i0] = Float.NEGATIVE_INFINITY;
                runSum[i - i0] = 0f;
                java.util.Arrays.fill(out, i * od + h * d, i * od + h * d + d, 0f);
            }
            int keyEnd = causal ? i1 : end;
            for (int j0 = start; j0 < keyEnd; j0 += KB) {
                int kn = Math.min(KB, keyEnd - j0);
                for (int i = i0; i < i1; i++) {
                    int t = (i - i0) * KB;
                    AttentionVectors.dots(q, i * ld + h * d, k, j0 * ld + kCol + h * d, ld, kn, d, tile, t);
                    for (int j = 0; j < kn; j++) {
                        float s = tile[t + j] * scale;
                        if (causal && j0 + j > i) {
                            s = Float.NEGATIVE_INFINITY;
                        } else if (additive) {
                            s += mask[(i - start) * maxLen + j0 + j - start];
                        }
                        tile[t + j] = s;
                    }
                    float newMax = Math.max(runMax[i - i0], AttentionVectors.max(tile, t, kn));
                    if (newMax == Float.NEGATIVE_INFINITY) {
                        continue; // every key so far is masked for this query
                    }
                    float correction = (float) Math.exp(runMax[i - i0] - newMax);
                    int outBase = i * od + h * d;
                    AttentionVectors.scale(out, outBase, d, correction);
                    runSum[i - i0] = runSum[i - i0] * correction
                            + AttentionVectors.expShifted(tile, t, tile, t, kn, newMax);
                    runMax[i - i0] = newMax;
                    AttentionVectors.weightedSum(tile, t, kn, v, j0 * ld + vCol + h * d, ld, out, outBase, d);
                }
            }
            for (int i = i0; i < i1; i++) {
                float inv = runSum[i - i0] > 0f ? 1f / runSum[i - i0] : 0f;
                AttentionVectors.scale(out, i * od + h * d, d, inv);
            }
        }
    }
}

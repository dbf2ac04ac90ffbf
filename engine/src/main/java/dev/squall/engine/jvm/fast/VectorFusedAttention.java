package dev.squall.engine.jvm.fast;

import dev.squall.engine.jvm.FastPathFor;
import dev.squall.tasks.activation.Activations;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.attention.FusedAttention;

/**
 * Fast path of {@link FusedAttention#attention}: the same rows, query blocks, key blocks and online softmax,
 * with both products of a tile run by the blocked GEMM of {@link GemmDriver}: {@code S = Q·Kᵀ} and
 * {@code out += P·V}, accumulated into the output rows. The
 * softmax of a tile row takes vector maxima and exponentials ({@link AttentionVectors}).
 *
 * <p>A query that has seen no visible key yet keeps a zero row of P, so its output stays zero (as in the
 * plain kernel, provided V is finite).
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
            int qn = Math.min(QB, end - i0);
            for (int i = 0; i < qn; i++) {
                runMax[i] = Float.NEGATIVE_INFINITY;
                runSum[i] = 0f;
                java.util.Arrays.fill(out, (i0 + i) * od + h * d, (i0 + i) * od + h * d + d, 0f);
            }
            int keyEnd = causal ? i0 + qn : end;
            for (int j0 = start; j0 < keyEnd; j0 += KB) {
                int kn = Math.min(KB, keyEnd - j0);
                scores(q, k, ld, h * d, kCol + h * d, d, i0, qn, j0, kn, tile);
                for (int i = 0; i < qn; i++) {
                    int t = i * KB;
                    for (int j = 0; j < kn; j++) {
                        float s = tile[t + j] * scale;
                        if (causal && j0 + j > i0 + i) {
                            s = Float.NEGATIVE_INFINITY;
                        } else if (additive) {
                            s += mask[(i0 + i - start) * maxLen + j0 + j - start];
                        }
                        tile[t + j] = s;
                    }
                    float newMax = Math.max(runMax[i], AttentionVectors.max(tile, t, kn));
                    if (newMax == Float.NEGATIVE_INFINITY) {
                        java.util.Arrays.fill(tile, t, t + kn, 0f); // every key so far is masked for this query
                        continue;
                    }
                    float correction = (float) Math.exp(runMax[i] - newMax);
                    AttentionVectors.scale(out, (i0 + i) * od + h * d, d, correction);
                    runSum[i] = runSum[i] * correction + AttentionVectors.expShifted(tile, t, tile, t, kn, newMax);
                    runMax[i] = newMax;
                }
                weightedSum(tile, v, ld, vCol + h * d, d, qn, j0, kn, out, i0 * od + h * d, od);
            }
            for (int i = 0; i < qn; i++) {
                float inv = runSum[i] > 0f ? 1f / runSum[i] : 0f;
                AttentionVectors.scale(out, (i0 + i) * od + h * d, d, inv);
            }
        }
    }

    /** {@code tile[i][j] = q[i0 + i]·k[j0 + j]} (unscaled) over the head's {@code d} columns. */
    private static void scores(float[] q, float[] k, int ld, int qCol, int kCol, int d, int i0, int qn, int j0, int kn,
                               float[] tile) {
        GemmDriver.product(new GemmDriver.Matrix(q, ld, i0, qCol), new GemmDriver.Matrix(k, ld, j0, kCol), true, tile,
                0, KB, qn, kn, d, false, null, 0, Activations.IDENTITY);
    }

    /** {@code out[i0 + i] += Σ_j tile[i][j] · v[j0 + j]} over the head's {@code d} columns, keys in order. */
    private static void weightedSum(float[] tile, float[] v, int ld, int vCol, int d, int qn, int j0, int kn,
                                    float[] out, int outOff, int od) {
        GemmDriver.product(new GemmDriver.Matrix(tile, KB, 0, 0), new GemmDriver.Matrix(v, ld, j0, vCol), false, out,
                outOff, od, qn, d, kn, true, null, 0, Activations.IDENTITY);
    }
}

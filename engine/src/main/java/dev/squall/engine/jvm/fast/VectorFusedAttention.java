package dev.squall.engine.jvm.fast;

import dev.squall.engine.jvm.FastPathFor;
import dev.squall.tasks.activation.Activations;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.attention.FusedAttention;

/**
 * Fast path of {@link FusedAttention#attention}: the same online softmax (over key blocks of its own size), with
 * both products of a tile run by the blocked GEMM of {@link GemmDriver} ({@code S = Q·Kᵀ}, then
 * {@code out += P·V} into the output rows) and the softmax of a tile row in vector maxima and
 * exponentials ({@link AttentionVectors}).
 *
 * <p>Consecutive query blocks of one head and sequence that fall in the same slice of rows are processed
 * together, up to {@link #GROUP} queries, so each packed panel of K and V serves more queries. This does
 * not change any result: with the causal mask a block may then also visit key blocks past its own, where
 * every key is masked, which leaves its maximum, sum and output exactly as they were (exp(−∞) = 0; V
 * finite). A query that has seen no visible key yet keeps a zero row of P, so its output stays zero.
 */
@FastPathFor(FusedAttention.class)
public final class VectorFusedAttention {
    private static final int QB = FusedAttention.QUERY_BLOCK;
    /**
     * Keys per tile: more than the plain kernel's {@link FusedAttention#KEY_BLOCK}, so each tile's P·V runs
     * deeper and the per-tile bookkeeping (row maxima, rescaling of the output rows) is paid less often.
     * Online softmax gives the same result for any key blocking, up to rounding.
     */
    private static final int KB = 128;
    /** Queries processed together: up to eight query blocks. */
    static final int GROUP = 8 * QB;
    private static final ThreadLocal<float[]> TILE = ThreadLocal.withInitial(() -> new float[GROUP * KB]);
    private static final ThreadLocal<float[]> PACKED_Q =
            ThreadLocal.withInitial(() -> new float[GemmDriver.MC * GemmDriver.KC]);

    private VectorFusedAttention() {
    }

    /** Fast {@link FusedAttention#attention}. */
    public static void attention(float[] q, float[] k, float[] v, float[] mask, float[] out, int[] seqStart,
                                 int heads, int d, int ld, int kCol, int vCol, int maskFlags, int maxLen,
                                 int rowOffset, int rowCount) {
        run(new Shape(q, k, v, mask, out, heads, d, ld, kCol, vCol, maskFlags, maxLen, -1), seqStart, rowOffset,
                rowCount);
    }

    /**
     * A local window ({@link dev.squall.tasks.attention.WindowAttention} with dilation 1 and no global
     * positions): query {@code i} sees keys {@code |i − j| ≤ radius} of its sequence ({@code j ≤ i} too when
     * causal), as blocked products over the keys of each query group's window, on the same rows.
     */
    static void window(float[] q, float[] k, float[] v, float[] out, int[] seqStart, int heads, int d, int ld,
                       int kCol, int vCol, boolean causal, int radius, int rowOffset, int rowCount) {
        run(new Shape(q, k, v, null, out, heads, d, ld, kCol, vCol, causal ? AttentionMask.CAUSAL : 0, 0, radius),
                seqStart, rowOffset, rowCount);
    }

    private static void run(Shape shape, int[] seqStart, int rowOffset, int rowCount) {
        if (rowCount <= 0) {
            return;
        }
        int heads = shape.heads();
        int firstBlock = rowOffset / heads;
        int lastBlock = (rowOffset + rowCount - 1) / heads;
        for (int h = 0; h < heads; h++) {
            // Query blocks of head h in this slice: rows blk·heads + h within [rowOffset, rowOffset + rowCount).
            int blk = rowOffset <= firstBlock * heads + h ? firstBlock : firstBlock + 1;
            int blkEnd = rowOffset + rowCount > lastBlock * heads + h ? lastBlock + 1 : lastBlock;
            int b = 0;
            int seqFirstBlock = 0;
            while (blk < blkEnd) {
                while (blk >= seqFirstBlock + FusedAttention.blocksOf(seqStart, b)) {
                    seqFirstBlock += FusedAttention.blocksOf(seqStart, b);
                    b++;
                }
                int blocks = Math.min(Math.min(GROUP / QB, blkEnd - blk),
                        seqFirstBlock + FusedAttention.blocksOf(seqStart, b) - blk);
                int i0 = seqStart[b] + (blk - seqFirstBlock) * QB;
                int i1 = Math.min(i0 + blocks * QB, seqStart[b + 1]);
                group(shape, h, seqStart[b], seqStart[b + 1], i0, i1 - i0);
                blk += blocks;
            }
        }
    }

    /** The arguments of one call; {@code radius} bounds {@code |i − j|}, or is negative for no window. */
    private record Shape(float[] q, float[] k, float[] v, float[] mask, float[] out, int heads, int d, int ld,
                         int kCol, int vCol, int maskFlags, int maxLen, int radius) {
    }

    /** Queries {@code [i0, i0 + qn)} of head {@code h} in the sequence {@code [start, end)}. */
    private static void group(Shape s, int h, int start, int end, int i0, int qn) {
        int d = s.d();
        int od = s.heads() * d;
        float scale = AttentionMask.scale(d);
        boolean causal = (s.maskFlags() & AttentionMask.CAUSAL) != 0;
        boolean additive = (s.maskFlags() & AttentionMask.ADDITIVE) != 0;
        boolean keyPadding = (s.maskFlags() & AttentionMask.KEY_PADDING) != 0;
        int keyMask = additive ? s.maxLen() * s.maxLen() : 0;
        float[] out = s.out();
        float[] tile = TILE.get();
        float[] runMax = new float[GROUP];
        float[] runSum = new float[GROUP];
        for (int i = 0; i < qn; i++) {
            runMax[i] = Float.NEGATIVE_INFINITY;
            runSum[i] = 0f;
            java.util.Arrays.fill(out, (i0 + i) * od + h * d, (i0 + i) * od + h * d + d, 0f);
        }
        GemmDriver.Matrix queries = new GemmDriver.Matrix(s.q(), s.ld(), i0, h * d);
        float[] packedQ = GemmDriver.fitsOneBlock(qn, d) ? PACKED_Q.get() : null;
        if (packedQ != null) {
            GemmDriver.pack(queries, qn, d, packedQ); // once for all key blocks
        }
        int radius = s.radius();
        int keyEnd = causal ? i0 + qn : end;
        int keyStart = start;
        if (radius >= 0) {
            // Key tiles stay on the grid of KB from the sequence start, whatever the group: every query sees
            // the same tiles (those outside its window fully masked), so results do not depend on the split.
            keyEnd = Math.min(keyEnd, i0 + qn + radius);
            keyStart = start + Math.max(0, i0 - radius - start) / KB * KB;
        }
        for (int j0 = keyStart; j0 < keyEnd; j0 += KB) {
            int kn = Math.min(KB, keyEnd - j0);
            GemmDriver.Matrix keys = new GemmDriver.Matrix(s.k(), s.ld(), j0, s.kCol() + h * d);
            if (packedQ != null) {
                GemmDriver.productPacked(packedQ, keys, true, tile, 0, KB, qn, kn, d, false);
            } else {
                GemmDriver.product(queries, keys, true, tile, 0, KB, qn, kn, d, false, null, 0, Activations.IDENTITY);
            }
            for (int i = 0; i < qn; i++) {
                int t = i * KB;
                int visible = causal ? Math.max(0, Math.min(kn, i0 + i - j0 + 1)) : kn;
                int first = 0;
                if (radius >= 0) {
                    visible = Math.max(0, Math.min(visible, i0 + i + radius + 1 - j0));
                    first = Math.max(0, Math.min(visible, i0 + i - radius - j0));
                }
                java.util.Arrays.fill(tile, t, t + first, Float.NEGATIVE_INFINITY);
                AttentionVectors.scale(tile, t + first, visible - first, scale);
                if (additive) {
                    int m = (i0 + i - start) * s.maxLen() + j0 - start;
                    for (int j = first; j < visible; j++) {
                        tile[t + j] += s.mask()[m + j];
                    }
                }
                if (keyPadding) {
                    for (int j = first; j < visible; j++) {
                        tile[t + j] += s.mask()[keyMask + j0 + j];
                    }
                }
                java.util.Arrays.fill(tile, t + visible, t + kn, Float.NEGATIVE_INFINITY);
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
            GemmDriver.product(new GemmDriver.Matrix(tile, KB, 0, 0), new GemmDriver.Matrix(s.v(), s.ld(), j0,
                    s.vCol() + h * d), false, out, i0 * od + h * d, od, qn, d, kn, true, null, 0, Activations.IDENTITY);
        }
        for (int i = 0; i < qn; i++) {
            float inv = runSum[i] > 0f ? 1f / runSum[i] : 0f;
            AttentionVectors.scale(out, (i0 + i) * od + h * d, d, inv);
        }
    }
}

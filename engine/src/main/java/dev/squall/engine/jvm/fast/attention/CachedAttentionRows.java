package dev.squall.engine.jvm.fast.attention;

import dev.squall.engine.jvm.fast.math.VectorMath;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.attention.CachedAttention;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The attention of a decode step over a KV cache, for the fast paths of {@link CachedAttention#attention} (fp32
 * cache, {@link CachedAttentionVector}) and {@code Int8KvAttention.cachedAttention} (int8 cache,
 * {@link dev.squall.engine.jvm.fast.quant.Int8KvAttentionVector}): per (query, head), all its scores first (a
 * vector dot product per cached key, into a per-thread buffer, and their maximum), then their exponentials
 * ({@link VectorMath#expNonPositive}) and sum, then the probability-weighted sum of the values, a vector
 * multiply-add per key. Two passes over the cache instead of the plain kernels' online softmax: the scores of a
 * query (at most the block size) fit in L1, and no running maximum is ever rescaled.
 */
public final class CachedAttentionRows {
    /** A constant species: the Vector API compiles to vector instructions only for constant species. */
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** {@link #L} int8 lanes, widened to {@link #S}. */
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(8 * L));
    /** Shuffles bringing lane {@code i + h} to lane {@code i} (mod {@code L}), for the fixed-order lane sums. */
    private static final VectorShuffle<Float> H8 = VectorShuffle.fromOp(S, i -> (i + 8) % L);
    private static final VectorShuffle<Float> H4 = VectorShuffle.fromOp(S, i -> (i + 4) % L);
    private static final VectorShuffle<Float> H2 = VectorShuffle.fromOp(S, i -> (i + 2) % L);
    private static final VectorShuffle<Float> H1 = VectorShuffle.fromOp(S, i -> (i + 1) % L);
    private static final ThreadLocal<float[]> SCORES = ThreadLocal.withInitial(() -> new float[1024]);

    private CachedAttentionRows() {
    }

    /**
     * Both caches: fp32 ({@code kf}, {@code vf}) or, when those are null, int8 with a scale per (position, head)
     * ({@code kb}, {@code ks}, {@code vb}, {@code vs}); key {@code j} of head {@code h} is cache row
     * {@code j·heads + h} either way. The vector loops are written out in this one method: a vector that crosses a
     * call the JIT does not inline is boxed on the heap, and whether it inlines a helper depended on what else had
     * run (measured: 218 KB of boxes per call in one JVM, none in another). Lane sums go in a fixed order, so a
     * row's result does not depend on the JIT state of the thread that computes it.
     */
    public static void attend(float[] q, float[] kf, float[] vf, byte[] kb, float[] ks, byte[] vb, float[] vs,
                              float[] out, int[] position, int heads, int d, int ld, int window, int rowOffset,
                              int rowCount) {
        boolean int8 = kf == null;
        float scale = AttentionMask.scale(d);
        int whole = d - d % L;
        for (int row = rowOffset; row < rowOffset + rowCount; row++) {
            int t = row / heads;
            int h = row % heads;
            int last = position[0] + t;
            int first = Math.max(0, last - window);
            int n = last - first + 1;
            float[] p = scores(n);
            int qBase = t * ld + h * d;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                int cacheRow = (first + j) * heads + h;
                int kBase = cacheRow * d;
                FloatVector acc = FloatVector.zero(S);
                for (int c = 0; c < whole; c += L) {
                    FloatVector k = int8 ? (FloatVector) ByteVector.fromArray(B, kb, kBase + c)
                            .convertShape(VectorOperators.B2F, S, 0) : FloatVector.fromArray(S, kf, kBase + c);
                    acc = FloatVector.fromArray(S, q, qBase + c).fma(k, acc);
                }
                // lane sums by halving, written out (not reduceLanes, whose order differs interpreted and compiled)
                acc = L > 8 ? acc.add(acc.rearrange(H8)) : acc;
                acc = L > 4 ? acc.add(acc.rearrange(H4)) : acc;
                acc = acc.add(acc.rearrange(H2));
                float dot = acc.add(acc.rearrange(H1)).lane(0);
                for (int c = whole; c < d; c++) {
                    dot += q[qBase + c] * (int8 ? kb[kBase + c] : kf[kBase + c]);
                }
                p[j] = int8 ? dot * ks[cacheRow] * scale : dot * scale;
                max = Math.max(max, p[j]);
            }
            FloatVector sums = FloatVector.zero(S);
            int j = 0;
            for (; j + L <= n; j += L) {
                FloatVector e = VectorMath.expNonPositive(FloatVector.fromArray(S, p, j).sub(max));
                e.intoArray(p, j);
                sums = sums.add(e);
            }
            sums = L > 8 ? sums.add(sums.rearrange(H8)) : sums;
            sums = L > 4 ? sums.add(sums.rearrange(H4)) : sums;
            sums = sums.add(sums.rearrange(H2));
            float sum = sums.add(sums.rearrange(H1)).lane(0);
            for (; j < n; j++) {
                p[j] = (float) Math.exp(p[j] - max);
                sum += p[j];
            }
            float inv = 1f / sum;
            int o = row * d;
            java.util.Arrays.fill(out, o, o + d, 0f);
            for (j = 0; j < n; j++) {
                int cacheRow = (first + j) * heads + h;
                int vBase = cacheRow * d;
                float w = int8 ? p[j] * inv * vs[cacheRow] : p[j] * inv;
                FloatVector wv = FloatVector.broadcast(S, w);
                for (int c = 0; c < whole; c += L) {
                    FloatVector v = int8 ? (FloatVector) ByteVector.fromArray(B, vb, vBase + c)
                            .convertShape(VectorOperators.B2F, S, 0) : FloatVector.fromArray(S, vf, vBase + c);
                    v.fma(wv, FloatVector.fromArray(S, out, o + c)).intoArray(out, o + c);
                }
                for (int c = whole; c < d; c++) {
                    out[o + c] += w * (int8 ? vb[vBase + c] : vf[vBase + c]);
                }
            }
        }
    }

    private static float[] scores(int n) {
        float[] p = SCORES.get();
        if (p.length < n) {
            p = new float[Math.max(n, 2 * p.length)];
            SCORES.set(p);
        }
        return p;
    }
}

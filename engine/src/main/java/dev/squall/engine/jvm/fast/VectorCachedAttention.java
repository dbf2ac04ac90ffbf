package dev.squall.engine.jvm.fast;

import dev.squall.engine.jvm.FastPathFor;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.attention.CachedAttention;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Fast path of {@link CachedAttention#attention}, the attention of a decode step over the KV cache: per (query,
 * head), all its scores first (a vector dot product per cached key, into a per-thread buffer, and their
 * maximum), then their exponentials ({@link VectorMath#expNonPositive}) and sum, then the probability-weighted sum
 * of the values, a vector multiply-add per key. Two passes over the cache instead of the plain kernel's online softmax in tiles: the
 * scores of a query (at most the block size) fit in L1, and no running maximum is ever rescaled.
 */
@FastPathFor(CachedAttention.class)
public final class VectorCachedAttention {
    /** A constant species: the Vector API compiles to vector instructions only for constant species. */
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Shuffles bringing lane {@code i + h} to lane {@code i} (mod {@code L}), for the fixed-order lane sums. */
    private static final VectorShuffle<Float> H8 = VectorShuffle.fromOp(S, i -> (i + 8) % L);
    private static final VectorShuffle<Float> H4 = VectorShuffle.fromOp(S, i -> (i + 4) % L);
    private static final VectorShuffle<Float> H2 = VectorShuffle.fromOp(S, i -> (i + 2) % L);
    private static final VectorShuffle<Float> H1 = VectorShuffle.fromOp(S, i -> (i + 1) % L);
    private static final ThreadLocal<float[]> SCORES = ThreadLocal.withInitial(() -> new float[1024]);

    private VectorCachedAttention() {
    }

    /**
     * Fast {@link CachedAttention#attention}. The vector loops are written out in this one method: a vector that
     * crosses a call the JIT does not inline is boxed on the heap, and whether it inlines a helper depended on
     * what else had run (measured: 218 KB of boxes per call in one JVM, none in another). Lane sums go in a fixed
     * order, so a row's result does not depend on the JIT state of the thread that computes it.
     */
    public static void attention(float[] q, float[] kCache, float[] vCache, float[] out, int[] position, int heads,
                                 int d, int ld, int window, int rowOffset, int rowCount) {
        float scale = AttentionMask.scale(d);
        int stride = heads * d;
        int whole = d - d % L;
        for (int row = rowOffset; row < rowOffset + rowCount; row++) {
            int t = row / heads;
            int h = row % heads;
            int last = position[0] + t;
            int first = Math.max(0, last - window);
            int n = last - first + 1;
            float[] p = scores(n);
            int qBase = t * ld + h * d;
            int kBase = first * stride + h * d;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                int kb = kBase + j * stride;
                FloatVector acc = FloatVector.zero(S);
                for (int c = 0; c < whole; c += L) {
                    acc = FloatVector.fromArray(S, q, qBase + c).fma(FloatVector.fromArray(S, kCache, kb + c), acc);
                }
                // lane sums by halving, written out (not reduceLanes, whose order differs interpreted and compiled)
                acc = L > 8 ? acc.add(acc.rearrange(H8)) : acc;
                acc = L > 4 ? acc.add(acc.rearrange(H4)) : acc;
                acc = acc.add(acc.rearrange(H2));
                float dot = acc.add(acc.rearrange(H1)).lane(0);
                for (int c = whole; c < d; c++) {
                    dot += q[qBase + c] * kCache[kb + c];
                }
                p[j] = dot * scale;
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
                int vb = kBase + j * stride;
                float w = p[j] * inv;
                FloatVector wv = FloatVector.broadcast(S, w);
                for (int c = 0; c < whole; c += L) {
                    FloatVector.fromArray(S, vCache, vb + c).fma(wv, FloatVector.fromArray(S, out, o + c))
                            .intoArray(out, o + c);
                }
                for (int c = whole; c < d; c++) {
                    out[o + c] += w * vCache[vb + c];
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

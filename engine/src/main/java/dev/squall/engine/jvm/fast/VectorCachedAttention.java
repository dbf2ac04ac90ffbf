package dev.squall.engine.jvm.fast;

import dev.squall.engine.jvm.FastPathFor;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.attention.CachedAttention;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Fast path of {@link CachedAttention#attention}, the attention of a decode step over the KV cache: per (query,
 * head), all its scores first (a vector dot product per cached key, into a per-thread buffer), then one vector
 * softmax over them ({@link AttentionVectors}), then the probability-weighted sum of the values, a vector
 * multiply-add per key. Two passes over the cache instead of the plain kernel's online softmax in tiles: the
 * scores of a query (at most the block size) fit in L1, and no running maximum is ever rescaled.
 */
@FastPathFor(CachedAttention.class)
public final class VectorCachedAttention {
    private static final ThreadLocal<float[]> SCORES = ThreadLocal.withInitial(() -> new float[1024]);

    private VectorCachedAttention() {
    }

    /** Fast {@link CachedAttention#attention}. */
    public static void attention(float[] q, float[] kCache, float[] vCache, float[] out, int[] position, int heads,
                                 int d, int ld, int window, int rowOffset, int rowCount) {
        attention(FloatVector.SPECIES_PREFERRED, q, kCache, vCache, out, position, heads, d, ld, window, rowOffset,
                rowCount);
    }

    /** {@link #attention} on vectors of species {@code s} (tests run 256 and 512 bits). */
    static void attention(VectorSpecies<Float> s, float[] q, float[] kCache, float[] vCache, float[] out,
                          int[] position, int heads, int d, int ld, int window, int rowOffset, int rowCount) {
        float scale = AttentionMask.scale(d);
        int stride = heads * d;
        for (int row = rowOffset; row < rowOffset + rowCount; row++) {
            int t = row / heads;
            int h = row % heads;
            int last = position[0] + t;
            int first = Math.max(0, last - window);
            int n = last - first + 1;
            float[] p = scores(n);
            int qBase = t * ld + h * d;
            int kBase = first * stride + h * d;
            for (int j = 0; j < n; j++) {
                p[j] = dot(s, q, qBase, kCache, kBase + j * stride, d) * scale;
            }
            float max = AttentionVectors.max(p, 0, n);
            float inv = 1f / AttentionVectors.expShifted(p, 0, p, 0, n, max);
            int o = row * d;
            java.util.Arrays.fill(out, o, o + d, 0f);
            for (int j = 0; j < n; j++) {
                axpy(s, p[j] * inv, vCache, kBase + j * stride, out, o, d);
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

    private static float dot(VectorSpecies<Float> s, float[] a, int ai, float[] b, int bi, int len) {
        int l = s.length();
        FloatVector acc = FloatVector.zero(s);
        int c = 0;
        for (; c + l <= len; c += l) {
            acc = FloatVector.fromArray(s, a, ai + c).fma(FloatVector.fromArray(s, b, bi + c), acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; c < len; c++) {
            sum += a[ai + c] * b[bi + c];
        }
        return sum;
    }

    private static void axpy(VectorSpecies<Float> s, float alpha, float[] x, int xi, float[] y, int yi, int len) {
        int l = s.length();
        FloatVector a = FloatVector.broadcast(s, alpha);
        int c = 0;
        for (; c + l <= len; c += l) {
            FloatVector.fromArray(s, x, xi + c).fma(a, FloatVector.fromArray(s, y, yi + c)).intoArray(y, yi + c);
        }
        for (; c < len; c++) {
            y[yi + c] += alpha * x[xi + c];
        }
    }
}

package dev.squall.engine.jvm.fast;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector building blocks of the attention fast paths, along the head dimension {@code d} (contiguous in Q,
 * K, V and the output): dot products of one query with several keys, and probability-weighted sums of
 * value rows. Each result element follows one fixed sequence of operations whatever group it is computed
 * in, so results do not depend on how rows are split between threads.
 */
final class AttentionVectors {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Keys per group of {@link #dots}: one query vector load feeds four FMAs. */
    private static final int KEYS = 4;
    /** Output vectors per pass of {@link #weightedSum}: accumulators held in registers over all keys. */
    private static final int CHUNK = 4;

    private AttentionVectors() {
    }

    /**
     * {@code dst[dstOff + j] = Σ_c q[qBase + c] · k[kBase + j·kStride + c]} for {@code j < count}, {@code c < d}.
     */
    static void dots(float[] q, int qBase, float[] k, int kBase, int kStride, int count, int d, float[] dst,
                     int dstOff) {
        int dv = d - d % L;
        int j = 0;
        for (; j + KEYS <= count; j += KEYS) {
            int k0 = kBase + j * kStride;
            int k1 = k0 + kStride;
            int k2 = k1 + kStride;
            int k3 = k2 + kStride;
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = FloatVector.zero(S);
            FloatVector a2 = FloatVector.zero(S);
            FloatVector a3 = FloatVector.zero(S);
            for (int c = 0; c < dv; c += L) {
                FloatVector qv = FloatVector.fromArray(S, q, qBase + c);
                a0 = qv.fma(FloatVector.fromArray(S, k, k0 + c), a0);
                a1 = qv.fma(FloatVector.fromArray(S, k, k1 + c), a1);
                a2 = qv.fma(FloatVector.fromArray(S, k, k2 + c), a2);
                a3 = qv.fma(FloatVector.fromArray(S, k, k3 + c), a3);
            }
            dst[dstOff + j] = tail(q, qBase, k, k0, dv, d, VectorMath.sum(a0));
            dst[dstOff + j + 1] = tail(q, qBase, k, k1, dv, d, VectorMath.sum(a1));
            dst[dstOff + j + 2] = tail(q, qBase, k, k2, dv, d, VectorMath.sum(a2));
            dst[dstOff + j + 3] = tail(q, qBase, k, k3, dv, d, VectorMath.sum(a3));
        }
        for (; j < count; j++) {
            int k0 = kBase + j * kStride;
            FloatVector a0 = FloatVector.zero(S);
            for (int c = 0; c < dv; c += L) {
                a0 = FloatVector.fromArray(S, q, qBase + c).fma(FloatVector.fromArray(S, k, k0 + c), a0);
            }
            dst[dstOff + j] = tail(q, qBase, k, k0, dv, d, VectorMath.sum(a0));
        }
    }

    private static float tail(float[] q, int qBase, float[] k, int kRow, int from, int d, float acc) {
        for (int c = from; c < d; c++) {
            acc = Math.fma(q[qBase + c], k[kRow + c], acc);
        }
        return acc;
    }

    /**
     * {@code out[outBase + c] += Σ_j p[pOff + j] · v[vBase + j·vStride + c]} for {@code j < count}, {@code c < d},
     * keys in ascending order (one FMA per key and element).
     */
    static void weightedSum(float[] p, int pOff, int count, float[] v, int vBase, int vStride, float[] out,
                            int outBase, int d) {
        int dv = d - d % L;
        int c = 0;
        for (; c + CHUNK * L <= dv; c += CHUNK * L) {
            int o = outBase + c;
            FloatVector a0 = FloatVector.fromArray(S, out, o);
            FloatVector a1 = FloatVector.fromArray(S, out, o + L);
            FloatVector a2 = FloatVector.fromArray(S, out, o + 2 * L);
            FloatVector a3 = FloatVector.fromArray(S, out, o + 3 * L);
            for (int j = 0; j < count; j++) {
                FloatVector pj = FloatVector.broadcast(S, p[pOff + j]);
                int vi = vBase + j * vStride + c;
                a0 = pj.fma(FloatVector.fromArray(S, v, vi), a0);
                a1 = pj.fma(FloatVector.fromArray(S, v, vi + L), a1);
                a2 = pj.fma(FloatVector.fromArray(S, v, vi + 2 * L), a2);
                a3 = pj.fma(FloatVector.fromArray(S, v, vi + 3 * L), a3);
            }
            a0.intoArray(out, o);
            a1.intoArray(out, o + L);
            a2.intoArray(out, o + 2 * L);
            a3.intoArray(out, o + 3 * L);
        }
        for (; c < dv; c += L) {
            FloatVector a0 = FloatVector.fromArray(S, out, outBase + c);
            for (int j = 0; j < count; j++) {
                a0 = FloatVector.broadcast(S, p[pOff + j]).fma(FloatVector.fromArray(S, v, vBase + j * vStride + c), a0);
            }
            a0.intoArray(out, outBase + c);
        }
        for (; c < d; c++) {
            float acc = out[outBase + c];
            for (int j = 0; j < count; j++) {
                acc = Math.fma(p[pOff + j], v[vBase + j * vStride + c], acc);
            }
            out[outBase + c] = acc;
        }
    }

    /** {@code x[off + c] *= f} for {@code c < len}. */
    static void scale(float[] x, int off, int len, float f) {
        int c = 0;
        for (; c + L <= len; c += L) {
            FloatVector.fromArray(S, x, off + c).mul(f).intoArray(x, off + c);
        }
        for (; c < len; c++) {
            x[off + c] *= f;
        }
    }

    /** Largest of {@code x[off .. off+len)}, −∞ when empty. */
    static float max(float[] x, int off, int len) {
        int c = 0;
        float m = Float.NEGATIVE_INFINITY;
        if (len >= L) {
            FloatVector mv = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            for (; c + L <= len; c += L) {
                mv = mv.max(FloatVector.fromArray(S, x, off + c));
            }
            m = mv.reduceLanes(VectorOperators.MAX);
        }
        for (; c < len; c++) {
            m = Math.max(m, x[off + c]);
        }
        return m;
    }

    /**
     * {@code y[yOff + c] = exp(x[xOff + c] − shift)} for {@code c < len}; returns their sum. The last partial
     * vector is masked rather than summed in scalar, so element {@code c} always lands in lane {@code c mod L}
     * and the sum does not depend on {@code len} beyond the terms it adds: a row padded with −∞ (an unfused
     * score row of a short sequence in a packed batch) sums exactly as the unpadded row.
     */
    static float expShifted(float[] x, int xOff, float[] y, int yOff, int len, float shift) {
        FloatVector sv = FloatVector.zero(S);
        int c = 0;
        for (; c + L <= len; c += L) {
            FloatVector e = VectorMath.exp(FloatVector.fromArray(S, x, xOff + c).sub(shift));
            e.intoArray(y, yOff + c);
            sv = sv.add(e);
        }
        if (c < len) {
            VectorMask<Float> m = S.indexInRange(c, len);
            FloatVector e = FloatVector.zero(S).blend(VectorMath.exp(FloatVector.fromArray(S, x, xOff + c, m).sub(shift)), m);
            e.intoArray(y, yOff + c, m);
            sv = sv.add(e);
        }
        return VectorMath.sum(sv);
    }
}

package dev.squall.engine.jvm.fast.math;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Row operations of the softmax and attention fast paths: scaling, maximum, and shifted exponentials with
 * their sum. Each result follows one fixed sequence of operations, so results do not depend on how rows
 * are split between threads.
 */
public final class SoftmaxRows {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Floats per vector. */
    public static final int LANES = L;

    private SoftmaxRows() {
    }

    /** {@code x[off + c] *= f} for {@code c < len}. */
    public static void scale(float[] x, int off, int len, float f) {
        int c = 0;
        for (; c + L <= len; c += L) {
            FloatVector.fromArray(S, x, off + c).mul(f).intoArray(x, off + c);
        }
        for (; c < len; c++) {
            x[off + c] *= f;
        }
    }

    /** Largest of {@code x[off .. off+len)}, −∞ when empty. */
    public static float max(float[] x, int off, int len) {
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
    public static float expShifted(float[] x, int xOff, float[] y, int yOff, int len, float shift) {
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

    /**
     * One online-softmax step over a key-major tile, per query column {@code c < cols} ({@code cols} a multiple of
     * {@link #LANES}): the scores of rows {@code r < rows} are {@code scale · tile[r·ld + c]}. With
     * {@code m = max(runMax[c], max_r score)}, the tile becomes {@code exp(score − m)},
     * {@code correction[c] = exp(runMax[c] − m)} (what earlier output and sum must be multiplied by),
     * {@code runSum[c] = runSum[c]·correction[c] + Σ_r exp(score − m)} and {@code runMax[c] = m}. A column with
     * every score −∞ so far keeps a zero column, a zero sum and a maximum of −∞. Every exponent is at most 0, so
     * {@link VectorMath#expNonPositive} serves (terms below 2⁻¹²⁶ become 0).
     */
    public static void softmaxColumns(float[] tile, int ld, int rows, int cols, float scale, float[] runMax, float[] runSum,
                               float[] correction) {
        FloatVector scales = FloatVector.broadcast(S, scale);
        for (int c = 0; c < cols; c += L) {
            FloatVector m = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            for (int r = 0; r < rows; r++) {
                m = m.max(FloatVector.fromArray(S, tile, r * ld + c));
            }
            FloatVector old = FloatVector.fromArray(S, runMax, c);
            // max(scale·x) = scale·max(x) exactly: rounding a product by a positive scale keeps the order.
            FloatVector newMax = old.max(m.mul(scales));
            FloatVector shift = newMax.blend(0f, newMax.compare(VectorOperators.EQ, Float.NEGATIVE_INFINITY));
            FloatVector sum = FloatVector.zero(S);
            for (int r = 0; r < rows; r++) {
                // Scaled and shifted in two roundings, not one fma: a tile scaled beforehand (to add masks) then
                // gives the same bits, so padded and packed batches agree exactly.
                FloatVector e = VectorMath.expNonPositive(FloatVector.fromArray(S, tile, r * ld + c).mul(scales)
                        .sub(shift));
                e.intoArray(tile, r * ld + c);
                sum = sum.add(e);
            }
            FloatVector corr = VectorMath.expNonPositive(old.sub(shift));
            FloatVector.fromArray(S, runSum, c).mul(corr).add(sum).intoArray(runSum, c);
            newMax.intoArray(runMax, c);
            corr.intoArray(correction, c);
        }
    }
}

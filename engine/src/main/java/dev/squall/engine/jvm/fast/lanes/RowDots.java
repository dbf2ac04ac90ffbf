package dev.squall.engine.jvm.fast.lanes;

import jdk.incubator.vector.FloatVector;

import static dev.squall.engine.jvm.fast.lanes.QuantLanes.F;
import static dev.squall.engine.jvm.fast.lanes.QuantLanes.L;

/**
 * Vector dot products of an fp32 activation segment with a stored weight segment, four independent
 * accumulators deep (so the FMA latency is hidden), each returning the vector of partial sums over the
 * segment's whole multiples of 32 and 8; the caller adds the remaining elements. Used by the GEMV paths.
 */
public final class RowDots {
    private RowDots() {
    }

    /** Elements {@link #fp32}-style dots cover: {@code len} rounded down to a multiple of 8. */
    public static int covered(int len) {
        return len - len % L;
    }

    /** Partial sums of {@code x[xp + i]·w[wp + i]}, fp32 weights. */
    public static FloatVector fp32(float[] x, int xp, float[] w, int wp, int len) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F);
        int i = 0;
        for (; i + 4 * L <= len; i += 4 * L) {
            a0 = FloatVector.fromArray(F, w, wp + i).fma(FloatVector.fromArray(F, x, xp + i), a0);
            a1 = FloatVector.fromArray(F, w, wp + i + L).fma(FloatVector.fromArray(F, x, xp + i + L), a1);
            a2 = FloatVector.fromArray(F, w, wp + i + 2 * L).fma(FloatVector.fromArray(F, x, xp + i + 2 * L), a2);
            a3 = FloatVector.fromArray(F, w, wp + i + 3 * L).fma(FloatVector.fromArray(F, x, xp + i + 3 * L), a3);
        }
        for (; i + L <= len; i += L) {
            a0 = FloatVector.fromArray(F, w, wp + i).fma(FloatVector.fromArray(F, x, xp + i), a0);
        }
        return a0.add(a1).add(a2.add(a3));
    }

    /** Partial sums of {@code x[xp + i]·fp16(w[wp + i])}, two accumulators (the widening is the heavy part). */
    public static FloatVector fp16(float[] x, int xp, short[] w, int wp, int len) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        int i = 0;
        for (; i + 2 * L <= len; i += 2 * L) {
            a0 = QuantLanes.fp16(w, wp + i).fma(FloatVector.fromArray(F, x, xp + i), a0);
            a1 = QuantLanes.fp16(w, wp + i + L).fma(FloatVector.fromArray(F, x, xp + i + L), a1);
        }
        for (; i + L <= len; i += L) {
            a0 = QuantLanes.fp16(w, wp + i).fma(FloatVector.fromArray(F, x, xp + i), a0);
        }
        return a0.add(a1);
    }

    /** Partial sums of {@code x[xp + i]·bf16(w[wp + i])}. */
    public static FloatVector bf16(float[] x, int xp, short[] w, int wp, int len) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F);
        int i = 0;
        for (; i + 4 * L <= len; i += 4 * L) {
            a0 = QuantLanes.bf16(w, wp + i).fma(FloatVector.fromArray(F, x, xp + i), a0);
            a1 = QuantLanes.bf16(w, wp + i + L).fma(FloatVector.fromArray(F, x, xp + i + L), a1);
            a2 = QuantLanes.bf16(w, wp + i + 2 * L).fma(FloatVector.fromArray(F, x, xp + i + 2 * L), a2);
            a3 = QuantLanes.bf16(w, wp + i + 3 * L).fma(FloatVector.fromArray(F, x, xp + i + 3 * L), a3);
        }
        for (; i + L <= len; i += L) {
            a0 = QuantLanes.bf16(w, wp + i).fma(FloatVector.fromArray(F, x, xp + i), a0);
        }
        return a0.add(a1).add(a2.add(a3));
    }

    /** Partial sums of {@code x[xp + i]·q[qp + i]}, int8 weights (unscaled). */
    public static FloatVector int8(float[] x, int xp, byte[] q, int qp, int len) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F);
        int i = 0;
        for (; i + 4 * L <= len; i += 4 * L) {
            a0 = QuantLanes.bytes(q, qp + i).fma(FloatVector.fromArray(F, x, xp + i), a0);
            a1 = QuantLanes.bytes(q, qp + i + L).fma(FloatVector.fromArray(F, x, xp + i + L), a1);
            a2 = QuantLanes.bytes(q, qp + i + 2 * L).fma(FloatVector.fromArray(F, x, xp + i + 2 * L), a2);
            a3 = QuantLanes.bytes(q, qp + i + 3 * L).fma(FloatVector.fromArray(F, x, xp + i + 3 * L), a3);
        }
        for (; i + L <= len; i += L) {
            a0 = QuantLanes.bytes(q, qp + i).fma(FloatVector.fromArray(F, x, xp + i), a0);
        }
        return a0.add(a1).add(a2.add(a3));
    }
}

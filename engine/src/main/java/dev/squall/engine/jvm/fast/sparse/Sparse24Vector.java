package dev.squall.engine.jvm.fast.sparse;

import dev.squall.engine.jvm.FastPath;
import dev.squall.engine.jvm.FastPathFor;
import dev.squall.engine.jvm.fast.driver.SparseGemmDriver;
import dev.squall.engine.jvm.fast.lanes.QuantLanes;
import dev.squall.tasks.sparse.Sparse24;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorShuffle;

import static dev.squall.engine.jvm.fast.lanes.QuantLanes.F;
import static dev.squall.engine.jvm.fast.lanes.QuantLanes.L;

/**
 * Fast path of {@link Sparse24#gemm}: the blocked sparse GEMM of {@link SparseGemmDriver}, each group giving
 * its two (position, value) entries, so half the dense multiply-adds. GEMV expands four groups at a time in
 * registers: their 8 stored values are permuted into the 16 dense lanes by a table indexed by the position
 * codes (zeros masked off) and multiplied with 16 contiguous activations: half the bytes of a dense fp32 row,
 * no gathers. (A {@code VectorShuffle} built with {@code fromArray} is not intrinsified here; one from an
 * {@code IntVector} is.)
 */
@FastPathFor(Sparse24.class)
public final class Sparse24Vector implements FastPath {
    /** For {@link java.util.ServiceLoader}, which only reads the class: never called. */
    public Sparse24Vector() {
    }

    /** As {@link Sparse24#gemm}. */
    public static void gemm(float[] x, float[] vals, byte[] meta, float[] bias, float[] y, int m, int n, int k,
                            int hasBias, int activation, int rowOffset, int rowCount) {
        int groups = k / Sparse24.GROUP;
        int metaPerRow = (groups + 1) / 2;
        SparseGemmDriver.run(x, (xb, j) -> dot(x, xb, vals, meta, j * 2 * groups, j * metaPerRow, groups),
                (row, p0, p1, seg) -> {
            int[] c = seg.scratch;
            int g0 = p0 / Sparse24.GROUP;
            int g1 = p1 / Sparse24.GROUP;
            for (int g = g0; g < g1; g++) {
                int code = (meta[row * metaPerRow + g / 2] >> (4 * (g & 1))) & 0xf;
                int base = 4 * (g - g0);
                c[2 * (g - g0)] = base + (code & 3);
                c[2 * (g - g0) + 1] = base + (code >> 2);
            }
            seg.cols = c;
            seg.colsOff = 0;
            seg.colBase = 0;
            seg.vals = vals;
            seg.valsOff = row * 2 * groups + 2 * g0;
            seg.count = 2 * (g1 - g0);
        }, bias, y, m, n, k, hasBias, activation, rowOffset, rowCount);
    }

    /**
     * {@code PERM[8b + l]}: for code byte {@code b} (two groups), which of the pair's 4 stored values dense lane
     * {@code l} (positions 0–3 of the first group, then of the second) takes; {@code KEEP[8b + l]} is 1 where a
     * value lands, 0 elsewhere. {@code PERM_HIGH = PERM + 4} picks from the second pair of a four-group step.
     */
    private static final int[] PERM = new int[256 * L];
    private static final int[] PERM_HIGH = new int[256 * L];
    private static final float[] KEEP = new float[256 * L];

    static {
        for (int b = 0; b < 256; b++) {
            for (int g = 0; g < 2; g++) {
                int code = (b >> (4 * g)) & 0xf;
                PERM[b * L + 4 * g + (code & 3)] = 2 * g;
                KEEP[b * L + 4 * g + (code & 3)] = 1f;
                PERM[b * L + 4 * g + (code >> 2)] = 2 * g + 1;
                KEEP[b * L + 4 * g + (code >> 2)] = 1f;
            }
        }
        for (int i = 0; i < PERM.length; i++) {
            PERM_HIGH[i] = PERM[i] + 4;
        }
    }

    /**
     * {@code Σ_p x[xb + p]·w[p]} for the row whose values start at {@code v0} and codes at {@code m0}: four
     * groups per step, their 8 stored values permuted into 16 dense lanes (zeros masked off) and multiplied with
     * 16 contiguous activations.
     */
    static float dot(float[] x, int xb, float[] vals, byte[] meta, int v0, int m0, int groups) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        int g = 0;
        for (; g + 4 <= groups; g += 4) {
            FloatVector v = FloatVector.fromArray(F, vals, v0 + 2 * g);
            int lo = (meta[m0 + g / 2] & 0xff) * L;
            int hi = (meta[m0 + g / 2 + 1] & 0xff) * L;
            acc0 = expand(v, PERM, lo).fma(FloatVector.fromArray(F, x, xb + 4 * g), acc0);
            acc1 = expand(v, PERM_HIGH, hi).fma(FloatVector.fromArray(F, x, xb + 4 * g + L), acc1);
        }
        float acc = QuantLanes.sum(acc0.add(acc1));
        for (; g < groups; g++) {
            int code = (meta[m0 + g / 2] >> (4 * (g & 1))) & 0xf;
            acc += x[xb + 4 * g + (code & 3)] * vals[v0 + 2 * g];
            acc += x[xb + 4 * g + (code >> 2)] * vals[v0 + 2 * g + 1];
        }
        return acc;
    }

    /** Two groups' dense weights: lanes of {@code v} picked by {@code perm[at ..]}, zeros masked off. */
    private static FloatVector expand(FloatVector v, int[] perm, int at) {
        VectorShuffle<Float> shuffle = IntVector.fromArray(QuantLanes.I8, perm, at).toShuffle().cast(F);
        return v.rearrange(shuffle).mul(FloatVector.fromArray(F, KEEP, at));
    }
}

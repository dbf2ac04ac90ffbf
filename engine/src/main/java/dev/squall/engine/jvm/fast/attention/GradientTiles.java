package dev.squall.engine.jvm.fast.attention;

import dev.squall.engine.jvm.fast.driver.GemmDriver;
import dev.squall.engine.jvm.fast.math.VectorMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The element-wise step of the fused attention backward on a tile of scores {@code s} and of {@code dP = dO·Vᵀ}
 * for one head: {@code P = exp(s/√d − L)} and {@code dS = P∘(dP − D)}, 0 where the causal mask hides the key, a
 * vector of tile columns at a time. The tile is key-major (rows keys, columns queries: L and D vary along a row)
 * or query-major (rows queries: L and D are one value per row). Every lane is computed on its own, so a value does
 * not depend on the tile's other rows and columns. Columns past the caller's count (up to the vector multiple) hold
 * whatever the arithmetic gives: the products that follow never read them into a kept result.
 */
final class GradientTiles {
    static final VectorSpecies<Float> S = GemmDriver.S;
    /** Floats per vector; tiles have room for their columns rounded up to it. */
    static final int LANES = S.length();

    private GradientTiles() {
    }

    /** {@code n} rounded up to whole vectors. */
    static int vectorCeil(int n) {
        return (n + LANES - 1) / LANES * LANES;
    }

    /**
     * Key-major: row {@code r} is key {@code firstKey + r}, column {@code c} query {@code firstQuery + c} with
     * {@code lse[statsOff + c]}, {@code delta[statsOff + c]} (read in whole vectors). Overwrites {@code dp} with dS (P is not kept). Causal: key {@code j} is
     * visible to query {@code i} when {@code j ≤ i}.
     */
    static void keyMajor(float[] s, float[] dp, int ld, int rows, int cols, float scale, float[] lse, float[] delta,
                         int statsOff, int firstKey, int firstQuery, boolean causal) {
        int vcols = vectorCeil(cols);
        for (int r = 0; r < rows; r++) {
            int at = r * ld;
            // Queries before column lo do not see this key.
            int lo = causal ? Math.min(vcols, Math.max(0, firstKey + r - firstQuery)) : 0;
            int c = 0;
            for (; c + LANES <= lo; c += LANES) {
                FloatVector.zero(S).intoArray(dp, at + c);
            }
            for (; c < vcols; c += LANES) {
                FloatVector p = VectorMath.expNonPositive(FloatVector.fromArray(S, s, at + c).mul(scale)
                        .sub(FloatVector.fromArray(S, lse, statsOff + c)));
                FloatVector ds = p.mul(FloatVector.fromArray(S, dp, at + c)
                        .sub(FloatVector.fromArray(S, delta, statsOff + c)));
                if (c < lo) {
                    ds = FloatVector.zero(S).blend(ds, S.indexInRange(c - lo, LANES));
                }
                ds.intoArray(dp, at + c);
            }
        }
    }

    /**
     * Query-major: row {@code r} is query {@code firstQuery + r} with {@code lse[r]}, {@code delta[r]}, column
     * {@code c} key {@code firstKey + c}. Overwrites {@code s} with P and {@code dp} with dS.
     */
    static void queryMajor(float[] s, float[] dp, int ld, int rows, int cols, float scale, float[] lse, float[] delta,
                           int firstQuery, int firstKey, boolean causal) {
        int vcols = vectorCeil(cols);
        for (int r = 0; r < rows; r++) {
            int at = r * ld;
            // Keys from column hi on are after this query.
            int hi = causal ? Math.min(vcols, Math.max(0, firstQuery + r - firstKey + 1)) : vcols;
            FloatVector l = FloatVector.broadcast(S, lse[r]);
            FloatVector dl = FloatVector.broadcast(S, delta[r]);
            int c = 0;
            for (; c < hi; c += LANES) {
                FloatVector p = VectorMath.expNonPositive(FloatVector.fromArray(S, s, at + c).mul(scale).sub(l));
                FloatVector ds = p.mul(FloatVector.fromArray(S, dp, at + c).sub(dl));
                if (c + LANES > hi) {
                    VectorMask<Float> visible = S.indexInRange(c, hi);
                    p = FloatVector.zero(S).blend(p, visible);
                    ds = FloatVector.zero(S).blend(ds, visible);
                }
                p.intoArray(s, at + c);
                ds.intoArray(dp, at + c);
            }
            for (; c < vcols; c += LANES) {
                FloatVector.zero(S).intoArray(s, at + c);
                FloatVector.zero(S).intoArray(dp, at + c);
            }
        }
    }
}

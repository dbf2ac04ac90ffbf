package dev.squall.engine.jvm.fast.math;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Exponential and lane sum written with plain IEEE lane operations, so that a fast path computes the same
 * bits whether its code runs interpreted, in C1 or in C2. The Vector API's own {@code EXP} (an SVML call
 * in C2, {@code Math.exp} per lane otherwise) and {@code reduceLanes(ADD)} (any order) do not, which would
 * let results depend on which thread ran a row while the JIT warms up.
 */
public final class VectorMath {
    private static final float LOG2E = 1.44269504088896341f;
    /** ln 2 split in a part exact in a few bits and the rest (Cody–Waite), as Cephes' {@code expf}. */
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    /**
     * 1.5·2²³: adding it rounds to an integer held in the low mantissa bits; conversely, for {@code |i| < 2²²}
     * the float with bits {@code ROUNDER_BITS + i} is exactly {@code ROUNDER + i}.
     */
    public static final float ROUNDER = 12582912f;
    public static final int ROUNDER_BITS = 0x4B400000;
    /** Below this e^x rounds to 0 in fp32; above the upper bound it overflows to +∞. */
    private static final float MIN_ARG = -104f;
    private static final float MAX_ARG = 89f;
    /** Where {@link #expNonPositive} reaches {@code n = −127}, whose exponent-bit factor is 0. */
    private static final float FLUSH_ARG = -88f;
    private static final VectorShuffle<Float>[] HALVES_8 = halves(8);
    private static final VectorShuffle<Float>[] HALVES_16 = halves(16);

    private VectorMath() {
    }

    /**
     * e^x per lane, within about 2 ulp (Cephes' {@code expf} polynomial on {@code |r| ≤ ln2/2}), subnormal
     * results included; −∞ gives 0, +∞ gives +∞ and NaN stays NaN.
     */
    public static FloatVector exp(FloatVector x) {
        // Clamped by compare and blend, which cost half of max/min (Java's NaN and −0 rules take extra
        // instructions on x86); a NaN fails both compares and stays NaN through the arithmetic below.
        FloatVector c = x.blend(MIN_ARG, x.compare(VectorOperators.LT, MIN_ARG));
        c = c.blend(MAX_ARG, c.compare(VectorOperators.GT, MAX_ARG));
        FloatVector t = c.fma(c.broadcast(LOG2E), c.broadcast(ROUNDER));
        // 2^n as two factors so that results down to the subnormal range stay representable on the way.
        IntVector ni = t.reinterpretAsInts().sub(ROUNDER_BITS);
        IntVector half = ni.lanewise(VectorOperators.ASHR, 1);
        FloatVector s1 = half.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = ni.sub(half).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return reduced(c, t).mul(s1).mul(s2);
    }

    /**
     * e^x per lane for {@code x ≤ 0} (or −∞), as {@link #exp} but with results below 2⁻¹²⁶ flushed to zero: one
     * exponent factor instead of two and no upper clamp, about a third fewer operations. For softmax terms
     * {@code exp(s − max)}, where a value below 2⁻¹²⁶ vanishes beside the maximum's term 1.
     */
    public static FloatVector expNonPositive(FloatVector x) {
        // Below −88, n = −127 and the factor 2^n built from exponent bits 0 is exactly 0.
        FloatVector c = x.blend(FLUSH_ARG, x.compare(VectorOperators.LT, FLUSH_ARG));
        FloatVector t = c.fma(c.broadcast(LOG2E), c.broadcast(ROUNDER));
        FloatVector scale = t.reinterpretAsInts().add(127 - ROUNDER_BITS).lanewise(VectorOperators.LSHL, 23)
                .reinterpretAsFloats();
        return reduced(c, t).mul(scale);
    }

    /**
     * 2^y per lane for {@code y ≤ 0} (or −∞), within 2 ulp; results below 2⁻¹²⁶·√2 (from {@code y < −126.5}) may
     * be flushed to zero. For softmax terms whose scores were scaled by {@code log₂e} beforehand: no argument
     * reduction by {@code ln 2}, and the polynomial in Estrin's form, so the dependency chain is about half that
     * of {@link #expNonPositive} (the softmax pass is bound by that latency, not by its operation count).
     */
    public static FloatVector exp2NonPositive(FloatVector y) {
        // Below −127, n = −127 and the factor 2^n built from exponent bits 0 is exactly 0.
        FloatVector c = y.blend(-127f, y.compare(VectorOperators.LT, -127f));
        FloatVector t = c.add(ROUNDER);
        FloatVector r = c.sub(t.sub(ROUNDER)); // in [−½, ½], exact
        FloatVector r2 = r.mul(r);
        // 2^r ≈ Σ c_k r^k, k ≤ 6, minimax for the relative error on [−½, ½] (fitted by Lawson's algorithm).
        FloatVector p01 = r.fma(c.broadcast(6.9314718246e-01f), c.broadcast(1f));
        FloatVector p23 = r.fma(c.broadcast(5.5503286421e-02f), c.broadcast(2.4022646248e-01f));
        FloatVector p46 = r2.fma(c.broadcast(1.5345812426e-04f), r.fma(c.broadcast(1.3399930904e-03f),
                c.broadcast(9.6184890717e-03f)));
        FloatVector p = p46.fma(r2.mul(r2), p23.fma(r2, p01));
        FloatVector scale = t.reinterpretAsInts().add(127 - ROUNDER_BITS).lanewise(VectorOperators.LSHL, 23)
                .reinterpretAsFloats();
        return p.mul(scale);
    }

    /** e^r for {@code r = c − n·ln 2}, {@code n = t − 1.5·2²³} the nearest integer to {@code c·log₂e}. */
    private static FloatVector reduced(FloatVector c, FloatVector t) {
        FloatVector n = t.sub(ROUNDER);
        FloatVector r = n.fma(c.broadcast(-LN2_LO), n.fma(c.broadcast(-LN2_HI), c));
        return r.fma(c.broadcast(1.9875691500e-4f), c.broadcast(1.3981999507e-3f))
                .fma(r, c.broadcast(8.3334519073e-3f)).fma(r, c.broadcast(4.1665795894e-2f))
                .fma(r, c.broadcast(1.6666665459e-1f)).fma(r, c.broadcast(5.0000001201e-1f))
                .fma(r.mul(r), r).add(1f);
    }

    /**
     * Sum of the lanes by halving: lane i plus lane i + L/2, and so on, in that order always. Eight and sixteen lanes
     * (AVX2, AVX-512) take constant shuffles, so the sum stays in registers and small enough to inline (through an
     * array, a 16-lane sum was a quarter of the LayerNorm backward's time, and not inlined it boxes its argument);
     * other widths a small array: {@code slice} with a computed origin is not intrinsified and falls back to slow
     * code.
     */
    public static float sum(FloatVector v) {
        if (v.length() == 8) {
            return eight(v, HALVES_8, 0);
        }
        if (v.length() == 16) {
            // The first step leaves the sum of lane i and i + 8 in lane i < 8; the steps of eight lanes follow.
            return eight(v.add(v.rearrange(HALVES_16[0])), HALVES_16, 1);
        }
        float[] lanes = new float[v.length()];
        v.intoArray(lanes, 0);
        for (int half = lanes.length / 2; half > 0; half /= 2) {
            for (int i = 0; i < half; i++) {
                lanes[i] += lanes[i + half];
            }
        }
        return lanes[0];
    }

    /** The last three halving steps (h = 4, 2, 1) with {@code halves[from ..]}. */
    private static float eight(FloatVector v, VectorShuffle<Float>[] halves, int from) {
        FloatVector four = v.add(v.rearrange(halves[from]));
        FloatVector two = four.add(four.rearrange(halves[from + 1]));
        return two.add(two.rearrange(halves[from + 2])).lane(0);
    }

    /**
     * Shuffles of {@code lanes} float lanes bringing lane {@code i + h} to lane {@code i}, for {@code h = lanes/2, ..,
     * 1}.
     */
    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] halves(int lanes) {
        VectorSpecies<Float> species = VectorSpecies.of(float.class, VectorShape.forBitSize(32 * lanes));
        int steps = Integer.numberOfTrailingZeros(lanes);
        VectorShuffle<Float>[] s = new VectorShuffle[steps];
        for (int t = 0; t < steps; t++) {
            int h = lanes >> (t + 1);
            s[t] = VectorShuffle.fromOp(species, i -> (i + h) % lanes);
        }
        return s;
    }
}

package dev.squall.tasks.precision;

/**
 * Exact rounding and power-of-two scaling with float arithmetic and integer conversions only, for kernels:
 * TornadoVM cannot compile {@code Float.floatToIntBits}, {@code intBitsToFloat}, {@code Math.scalb},
 * {@code Math.rint} or {@code Math.round}, so the bit-level conversions of this package are built from these.
 *
 * <p>Every operation here is exact in IEEE arithmetic: multiplying by a power of two loses nothing while the
 * result stays normal (or is an exactly representable subnormal), and {@code v − (int) v} is exact for
 * {@code 0 <= v < 2³¹} because the fraction needs no more bits than {@code v} has. No magic-number addition is
 * used, so a compiler that reassociates float additions cannot break the rounding.
 */
public final class Rounding {
    private Rounding() {
    }

    /**
     * {@code v · 2ⁿ} for {@code |n| <= 255}, by at most eight multiplications by exact powers of two. Exact
     * when the result and every partial product lie in the normal range, e.g. when {@code v} and the result
     * are both normal and {@code v} is scaled monotonically toward the result, as this method does.
     */
    public static float scalb(float v, int n) {
        int e = n < 0 ? -n : n; // Math.abs(int) does not compile on TornadoVM
        float s = v;
        if (n >= 0) {
            s = (e & 128) != 0 ? s * 0x1p64f * 0x1p64f : s;
            s = (e & 64) != 0 ? s * 0x1p64f : s;
            s = (e & 32) != 0 ? s * 0x1p32f : s;
            s = (e & 16) != 0 ? s * 0x1p16f : s;
            s = (e & 8) != 0 ? s * 0x1p8f : s;
            s = (e & 4) != 0 ? s * 0x1p4f : s;
            s = (e & 2) != 0 ? s * 0x1p2f : s;
            s = (e & 1) != 0 ? s * 0x1p1f : s;
        } else {
            s = (e & 128) != 0 ? s * 0x1p-64f * 0x1p-64f : s;
            s = (e & 64) != 0 ? s * 0x1p-64f : s;
            s = (e & 32) != 0 ? s * 0x1p-32f : s;
            s = (e & 16) != 0 ? s * 0x1p-16f : s;
            s = (e & 8) != 0 ? s * 0x1p-8f : s;
            s = (e & 4) != 0 ? s * 0x1p-4f : s;
            s = (e & 2) != 0 ? s * 0x1p-2f : s;
            s = (e & 1) != 0 ? s * 0x1p-1f : s;
        }
        return s;
    }

    /** {@code v} rounded to the nearest integer, ties to even, for {@code 0 <= v < 2³¹}. */
    public static int halfEven(float v) {
        int q = (int) v;
        float frac = v - q;
        return frac > 0.5f || (frac == 0.5f && (q & 1) != 0) ? q + 1 : q;
    }

    /**
     * {@code v} rounded to the nearest integer, ties away from zero (C's {@code roundf}), for
     * {@code |v| < 2³¹}.
     */
    public static int halfAway(float v) {
        float a = Math.abs(v);
        int q = (int) a;
        int r = a - q >= 0.5f ? q + 1 : q;
        return v < 0f ? -r : r;
    }

    /**
     * Whether {@code v} carries a negative sign, {@code -0.0} included: {@code min(v, 1/v) < 0} (for
     * {@code -0.0}, {@code 1/v = −∞}; for {@code −∞}, {@code v} itself), false for NaN. One comparison and no
     * {@code &&}/{@code ||}: TornadoVM 5.2 drops the negation of a short-circuit {@code a && b} whose value
     * is kept as a boolean ({@code v == 0f && 1f / v < 0f} came out as {@code v != 0f && 1f / v >= 0f}).
     */
    public static boolean signBit(float v) {
        return Math.min(v, 1f / v) < 0f;
    }

    /**
     * The canonical NaN, {@link Float#NaN} ({@code 0x7fc00000}), computed as {@code |0·∞|} from
     * {@code anyValue}, which must not be a constant: TornadoVM 5.2 writes a NaN constant into its OpenCL code
     * as {@code NaNF}, which does not compile, so a kernel cannot return {@code Float.NaN} itself. The product
     * is the processor's default NaN, whose sign bit x86 sets; {@code abs} clears it. (On a device whose
     * default NaN has another payload, e.g. {@code 0x7fffffff} on NVIDIA GPUs, that payload stays.)
     */
    public static float nan(int anyValue) {
        return Math.abs(anyValue * 0f * Float.POSITIVE_INFINITY);
    }
}

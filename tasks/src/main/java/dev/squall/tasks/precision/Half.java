package dev.squall.tasks.precision;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;

/**
 * IEEE 754 binary16 ("fp16", "half") held as raw bits in a {@code short}: 1 sign bit, 5 exponent bits (bias
 * 15), 10 mantissa bits; subnormals, ±∞ and NaN as the standard defines them.
 *
 * <p>Conversions use integer operations on the half bits and exact float arithmetic only (see
 * {@link Rounding}), so kernels can call them: TornadoVM cannot compile the float-bit intrinsics, and
 * compiles {@code Float.float16ToFloat} to a numeric conversion of the 16 bits rather than a decode.
 * {@link #toFloat} equals {@link Float#float16ToFloat} and {@link #fromFloat} equals
 * {@link Float#floatToFloat16} (round to nearest, ties to even; overflow to ±∞; subnormals; signed zeros)
 * bit for bit, except that every NaN becomes the canonical NaN: {@code toFloat} of a NaN half is
 * {@link Float#NaN} ({@code 0x7fc00000}) and {@code fromFloat} of any NaN is {@code 0x7e00}; sign and payload
 * of NaNs are not kept.
 */
public final class Half {
    /** The canonical half NaN, {@code 0x7e00}. */
    public static final short NAN = 0x7e00;
    /** Half-way between the largest half (65504) and 2¹⁶: this and anything larger rounds to ∞. */
    private static final float OVERFLOW = 65520f;
    /** The smallest normal half, 2⁻¹⁴. */
    private static final float MIN_NORMAL = 0x1p-14f;

    private Half() {
    }

    /** The float value of half bits {@code h} (exact: every half is a float). */
    public static float toFloat(short h) {
        int bits = h & 0xffff;
        int exponent = (bits >> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f && mantissa != 0) {
            return Rounding.nan(mantissa); // canonical: negating would set the sign bit of the NaN
        }
        float magnitude;
        if (exponent == 0x1f) {
            magnitude = Float.POSITIVE_INFINITY;
        } else {
            // (1024 + m)·2^(e−25) for normals, m·2^−24 for subnormals: an integer of at most 11 bits shifted
            // left by at most 29 fits a long and converts exactly; the 2^−24 scaling is exact.
            long significand = exponent == 0 ? mantissa : mantissa | 0x400;
            int shift = exponent == 0 ? 0 : exponent - 1;
            magnitude = (float) (significand << shift) * 0x1p-24f;
        }
        return (bits & 0x8000) != 0 ? -magnitude : magnitude;
    }

    /** The half nearest to {@code f}, ties to even (NaN: {@link #NAN}). */
    public static short fromFloat(float f) {
        if (Float.isNaN(f)) {
            return NAN;
        }
        int sign = Rounding.signBit(f) ? 0x8000 : 0;
        float a = Math.abs(f);
        int bits;
        if (a >= OVERFLOW) {
            bits = 0x7c00;
        } else if (a < MIN_NORMAL) {
            // subnormal range: the result is round(a / 2^−24); 1024 carries into the smallest normal exponent
            bits = Rounding.halfEven(a * 0x1p24f);
        } else {
            // b = a·2^14 is in [1, 2^30): find its binade by halving steps, leaving b in [1, 2)
            float b = a * 0x1p14f;
            int e = 0;
            if (b >= 0x1p16f) {
                b *= 0x1p-16f;
                e += 16;
            }
            if (b >= 0x1p8f) {
                b *= 0x1p-8f;
                e += 8;
            }
            if (b >= 0x1p4f) {
                b *= 0x1p-4f;
                e += 4;
            }
            if (b >= 0x1p2f) {
                b *= 0x1p-2f;
                e += 2;
            }
            if (b >= 0x1p1f) {
                b *= 0x1p-1f;
                e += 1;
            }
            // significand in [1024, 2048]; a carry to 2048 moves to the next binade (never past 65504 here)
            int q = Rounding.halfEven(b * 1024f);
            bits = ((e + 1) << 10) + q - 1024;
        }
        return (short) (sign | bits);
    }

    /** Converts rows of {@code cols} floats to halves: {@code h[row, c] = fromFloat(x[row, c])}. */
    public static void encode(float[] x, @Out short[] h, int cols, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int base = (rowOffset + r) * cols;
            for (int c = 0; c < cols; c++) {
                h[base + c] = fromFloat(x[base + c]);
            }
        }
    }

    /** Converts rows of {@code cols} halves to floats: {@code x[row, c] = toFloat(h[row, c])}. */
    public static void decode(short[] h, @Out float[] x, int cols, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int base = (rowOffset + r) * cols;
            for (int c = 0; c < cols; c++) {
                x[base + c] = toFloat(h[base + c]);
            }
        }
    }
}

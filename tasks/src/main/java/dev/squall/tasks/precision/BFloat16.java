package dev.squall.tasks.precision;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;

/**
 * bfloat16 held as raw bits in a {@code short}: the upper half of an IEEE binary32, i.e. 1 sign bit, 8
 * exponent bits (bias 127), 7 mantissa bits, with the same range, subnormals, ±∞ and NaN as float.
 *
 * <p>Conversions use integer operations on the bits and exact float arithmetic only (see {@link Rounding}), so
 * kernels can call them. {@link #toFloat} is exact; {@link #fromFloat} rounds to nearest, ties to even, as
 * the reference "add {@code 0x7fff} plus the lowest kept bit to the float bits, keep the upper 16" does, with
 * overflow to ±∞. Every NaN becomes the canonical NaN ({@link Float#NaN}, bf16 {@code 0x7fc0}); sign and
 * payload of NaNs are not kept.
 */
public final class BFloat16 {
    /** The canonical bfloat16 NaN, {@code 0x7fc0}. */
    public static final short NAN = 0x7fc0;

    private BFloat16() {
    }

    /** The float value of bfloat16 bits {@code b}. */
    public static float toFloat(short b) {
        int bits = b & 0xffff;
        int exponent = (bits >> 7) & 0xff;
        int mantissa = bits & 0x7f;
        if (exponent == 0xff && mantissa != 0) {
            return Rounding.nan(mantissa); // canonical: negating would set the sign bit of the NaN
        }
        float magnitude;
        if (exponent == 0xff) {
            magnitude = Float.POSITIVE_INFINITY;
        } else if (exponent == 0) {
            // m·2^−133 is a float subnormal (a multiple of 2^−149); both steps are exact
            magnitude = mantissa * 0x1p-64f * 0x1p-69f;
        } else {
            magnitude = Rounding.scalb(mantissa | 0x80, exponent - 134);
        }
        return (bits & 0x8000) != 0 ? -magnitude : magnitude;
    }

    /** The bfloat16 nearest to {@code f}, ties to even (NaN: {@link #NAN}). */
    public static short fromFloat(float f) {
        if (Float.isNaN(f)) {
            return NAN;
        }
        int sign = Rounding.signBit(f) ? 0x8000 : 0;
        float a = Math.abs(f);
        int bits;
        if (a > Float.MAX_VALUE) {
            bits = 0x7f80;
        } else if (a < Float.MIN_NORMAL) {
            // subnormal range: round(a / 2^−133), scaled up in two exact steps; 128 carries into exponent 1
            bits = Rounding.halfEven(a * 0x1p64f * 0x1p69f);
        } else {
            // bring a into [1, 2) by exact power-of-two steps, tracking the binade e (−126 ≤ e ≤ 127): down while
            // s >= 2^step, then up while s < 2^(1−step), for step = 64, 32, .. 1 (written out: with Rounding.scalb
            // in a loop the method grows past the size TornadoVM inlines)
            float s = a;
            int e = 0;
            if (s >= 0x1p64f) {
                s *= 0x1p-64f;
                e += 64;
            }
            if (s >= 0x1p32f) {
                s *= 0x1p-32f;
                e += 32;
            }
            if (s >= 0x1p16f) {
                s *= 0x1p-16f;
                e += 16;
            }
            if (s >= 0x1p8f) {
                s *= 0x1p-8f;
                e += 8;
            }
            if (s >= 0x1p4f) {
                s *= 0x1p-4f;
                e += 4;
            }
            if (s >= 0x1p2f) {
                s *= 0x1p-2f;
                e += 2;
            }
            if (s >= 0x1p1f) {
                s *= 0x1p-1f;
                e += 1;
            }
            if (s < 0x1p-63f) {
                s *= 0x1p64f;
                e -= 64;
            }
            if (s < 0x1p-31f) {
                s *= 0x1p32f;
                e -= 32;
            }
            if (s < 0x1p-15f) {
                s *= 0x1p16f;
                e -= 16;
            }
            if (s < 0x1p-7f) {
                s *= 0x1p8f;
                e -= 8;
            }
            if (s < 0x1p-3f) {
                s *= 0x1p4f;
                e -= 4;
            }
            if (s < 0x1p-1f) {
                s *= 0x1p2f;
                e -= 2;
            }
            if (s < 0x1p0f) {
                s *= 0x1p1f;
                e -= 1;
            }
            // significand in [128, 256]; a carry to 256 moves to the next binade, past 2^127 to ∞ (0x7f80)
            int q = Rounding.halfEven(s * 128f);
            bits = ((e + 127) << 7) + q - 128;
        }
        return (short) (sign | bits);
    }

    /** Converts rows of {@code cols} floats to bfloat16: {@code b[row, c] = fromFloat(x[row, c])}. */
    public static void encode(float[] x, @Out short[] b, int cols, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int base = (rowOffset + r) * cols;
            for (int c = 0; c < cols; c++) {
                b[base + c] = fromFloat(x[base + c]);
            }
        }
    }

    /** Converts rows of {@code cols} bfloat16 values to floats: {@code x[row, c] = toFloat(b[row, c])}. */
    public static void decode(short[] b, @Out float[] x, int cols, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int base = (rowOffset + r) * cols;
            for (int c = 0; c < cols; c++) {
                x[base + c] = toFloat(b[base + c]);
            }
        }
    }
}

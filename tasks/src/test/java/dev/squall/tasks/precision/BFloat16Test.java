package dev.squall.tasks.precision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Seeds;
import dev.squall.tasks.testing.Subject;
import org.junit.jupiter.api.Test;

/**
 * {@link BFloat16} bit for bit against the reference definitions: bf16 → float is the bits shifted into the
 * upper half of a float; float → bf16 rounds the float bits to nearest even ({@link #reference}). Every
 * bf16 value, every tie between neighbours and the floats either side, a stride through all 2³² float bit
 * patterns (every subnormal binade included), edge cases and random floats.
 */
class BFloat16Test {
    /** The usual RNE on float bits, canonical NaN. */
    static short reference(float f) {
        if (Float.isNaN(f)) {
            return BFloat16.NAN;
        }
        int bits = Float.floatToRawIntBits(f);
        return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
    }

    static float referenceToFloat(short b) {
        return Float.intBitsToFloat((b & 0xffff) << 16);
    }

    @Test
    void toFloatIsExactForEveryValue() {
        for (int bits = 0; bits < 0x10000; bits++) {
            short b = (short) bits;
            float expected = referenceToFloat(b);
            float got = BFloat16.toFloat(b);
            if (Float.isNaN(expected)) {
                assertEquals(0x7fc00000, Float.floatToRawIntBits(got), "NaN bf16 0x" + Integer.toHexString(bits));
            } else if (Float.floatToRawIntBits(expected) != Float.floatToRawIntBits(got)) {
                fail("bf16 0x" + Integer.toHexString(bits) + ": expected " + expected + " got " + got);
            }
        }
    }

    @Test
    void everyValueRoundTripsAndTiesRoundToEven() {
        for (int bits = 0; bits < 0x10000; bits++) {
            float f = referenceToFloat((short) bits);
            if (Float.isNaN(f)) {
                assertEquals(BFloat16.NAN, BFloat16.fromFloat(f));
                continue;
            }
            assertEquals((short) bits, BFloat16.fromFloat(f), "bf16 0x" + Integer.toHexString(bits));
            if ((bits & 0x7f80) != 0x7f80) {
                int fb = bits << 16;
                for (int delta : new int[] {0x8000, 0x7fff, 0x8001, 1, 0xffff}) {
                    check(Float.intBitsToFloat(fb + delta));
                }
            }
        }
    }

    @Test
    void strideThroughAllFloatBitPatterns() {
        for (long bits = 0; bits <= 0xffffffffL; bits += 2039) {
            check(Float.intBitsToFloat((int) bits));
        }
    }

    @Test
    void edgeCases() {
        float[] cases = {0f, -0f, Float.POSITIVE_INFINITY, Float.NaN, Float.intBitsToFloat(0x7f800001),
                Float.MAX_VALUE, Float.intBitsToFloat(0x7f7f8000), Float.intBitsToFloat(0x7f7f7fff),
                Float.MIN_VALUE, Float.MIN_NORMAL, Math.nextDown(Float.MIN_NORMAL), Float.intBitsToFloat(0x00008000),
                Float.intBitsToFloat(0x00018000), Float.intBitsToFloat(0x007fffff), 1f, 1.00390625f, 1.01171875f, 0.1f,
                3e38f};
        for (float f : cases) {
            check(f);
            check(-f);
        }
        assertEquals(0x7f80, BFloat16.fromFloat(Float.MAX_VALUE), "the largest float rounds up to infinity");
        assertEquals((short) 0x8000, BFloat16.fromFloat(-0f));
    }

    @Test
    void randomFloats() {
        RandomArrays rnd = RandomArrays.fresh();
        for (float f : rnd.logUniform(300_000, 1e-44, 3e38)) {
            short expected = reference(f);
            short got = BFloat16.fromFloat(f);
            assertTrue(expected == got, () -> Seeds.describe(rnd.seed()) + ": " + describe(f, expected, got));
        }
    }

    @Test
    void rowKernelsConvertEveryElement() {
        RandomArrays rnd = RandomArrays.fresh();
        int rows = 11;
        int cols = 29;
        float[] x = rnd.gaussian(rows * cols, 0, 100);
        short[] b = new short[rows * cols];
        BFloat16.encode(x, b, cols, 0, rows);
        float[] back = new float[rows * cols];
        Subject subject = Subject.of("BFloat16.decode", rows + "x" + cols, rnd.seed());
        RowSlices.run(subject, rnd, rows, (off, cnt) -> BFloat16.decode(b, back, cols, off, cnt), back);
        for (int i = 0; i < x.length; i++) {
            assertEquals(reference(x[i]), b[i], subject + " encode at " + i);
            assertEquals(referenceToFloat(b[i]), back[i], subject + " decode at " + i);
        }
    }

    private static void check(float f) {
        short expected = reference(f);
        short got = BFloat16.fromFloat(f);
        if (expected != got) {
            fail(describe(f, expected, got));
        }
    }

    private static String describe(float f, short expected, short got) {
        return "fromFloat(" + f + " = 0x" + Integer.toHexString(Float.floatToRawIntBits(f)) + "): expected 0x"
                + Integer.toHexString(expected & 0xffff) + " got 0x" + Integer.toHexString(got & 0xffff);
    }
}

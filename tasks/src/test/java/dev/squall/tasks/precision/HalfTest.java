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
 * {@link Half} bit for bit against the JDK's {@link Float#float16ToFloat} and {@link Float#floatToFloat16}:
 * every one of the 65,536 halves, every tie between neighbouring halves and the floats either side of it,
 * a stride through all 2³² float bit patterns, edge cases, and random floats. NaNs are compared as the
 * documented canonical NaN.
 */
class HalfTest {
    @Test
    void toFloatIsExactForEveryHalf() {
        for (int bits = 0; bits < 0x10000; bits++) {
            short h = (short) bits;
            float expected = Float.float16ToFloat(h);
            float got = Half.toFloat(h);
            if (Float.isNaN(expected)) {
                assertEquals(0x7fc00000, Float.floatToRawIntBits(got), "NaN half 0x" + Integer.toHexString(bits));
            } else if (Float.floatToRawIntBits(expected) != Float.floatToRawIntBits(got)) {
                fail("half 0x" + Integer.toHexString(bits) + ": expected " + expected + " got " + got);
            }
        }
    }

    @Test
    void everyHalfRoundTrips() {
        for (int bits = 0; bits < 0x10000; bits++) {
            short h = (short) bits;
            short back = Half.fromFloat(Half.toFloat(h));
            short expected = Float.isNaN(Float.float16ToFloat(h)) ? Half.NAN : h;
            assertEquals(expected, back, "half 0x" + Integer.toHexString(bits));
        }
    }

    /** Midpoints between neighbouring halves (ties) and the floats just below and above them. */
    @Test
    void tiesAndTheirNeighboursRoundLikeTheJdk() {
        for (int bits = 0; bits < 0x7c00; bits++) {
            double lo = Float.float16ToFloat((short) bits);
            double hi = bits == 0x7bff ? 65536.0 : Float.float16ToFloat((short) (bits + 1));
            float mid = (float) ((lo + hi) / 2); // exact: a half has 11 significant bits
            for (float f : new float[] {mid, Math.nextDown(mid), Math.nextUp(mid)}) {
                check(f);
                check(-f);
            }
        }
    }

    @Test
    void strideThroughAllFloatBitPatterns() {
        // 4,294,967,296 / 2039 ≈ 2.1 million patterns, every exponent and sign, NaNs and infinities included
        for (long bits = 0; bits <= 0xffffffffL; bits += 2039) {
            check(Float.intBitsToFloat((int) bits));
        }
    }

    @Test
    void edgeCases() {
        float[] cases = {0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN,
                Float.intBitsToFloat(0xffc00001), Float.intBitsToFloat(0x7f800001), 65504f, 65519.996f, 65520f,
                65536f, 1e9f, Float.MAX_VALUE, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, 0x1p-14f,
                0x1p-24f, 0x1p-25f, Math.nextUp(0x1p-25f), 0x1.8p-24f, 0x1p-15f, 1f, -1f, 1.0009766f, 2048f, 2049f,
                2050f, 2051f, 0.1f, 1f / 3};
        for (float f : cases) {
            check(f);
            check(-f);
        }
        assertEquals(0x7c00, Half.fromFloat(65520f));
        assertEquals(0x7bff, Half.fromFloat(65519.996f));
        assertEquals((short) 0x8000, Half.fromFloat(-0f));
        assertEquals(0, Half.fromFloat(0x1p-25f), "a tie at half the smallest subnormal rounds to even (0)");
        assertEquals(Half.NAN, Half.fromFloat(Float.intBitsToFloat(0xffc00001)));
    }

    @Test
    void randomFloatsOverTheWholeRange() {
        RandomArrays rnd = RandomArrays.fresh();
        for (float f : rnd.logUniform(200_000, 1e-30, 1e30)) {
            checkSeeded(f, rnd.seed());
        }
        for (float f : rnd.logUniform(200_000, 1e-9, 1e6)) {
            checkSeeded(f, rnd.seed());
        }
    }

    @Test
    void rowKernelsConvertEveryElement() {
        RandomArrays rnd = RandomArrays.fresh();
        int rows = 13;
        int cols = 37;
        float[] x = rnd.logUniform(rows * cols, 1e-8, 1e5);
        short[] h = new short[rows * cols];
        Half.encode(x, h, cols, 0, rows);
        float[] back = new float[rows * cols];
        Subject subject = Subject.of("Half.decode", rows + "x" + cols, rnd.seed());
        RowSlices.run(subject, rnd, rows, (off, cnt) -> Half.decode(h, back, cols, off, cnt), back);
        for (int i = 0; i < x.length; i++) {
            assertEquals(Float.floatToFloat16(x[i]), h[i], subject + " encode at " + i);
            assertEquals(Float.float16ToFloat(h[i]), back[i], subject + " decode at " + i);
        }
    }

    private static void checkSeeded(float f, long seed) {
        short expected = Float.isNaN(f) ? Half.NAN : Float.floatToFloat16(f);
        short got = Half.fromFloat(f);
        assertTrue(expected == got, () -> Seeds.describe(seed) + ": " + describe(f, expected, got));
    }

    private static void check(float f) {
        short expected = Float.isNaN(f) ? Half.NAN : Float.floatToFloat16(f);
        short got = Half.fromFloat(f);
        if (expected != got) {
            fail(describe(f, expected, got));
        }
    }

    private static String describe(float f, short expected, short got) {
        return "fromFloat(" + f + " = 0x" + Integer.toHexString(Float.floatToRawIntBits(f)) + "): expected 0x"
                + Integer.toHexString(expected & 0xffff) + " got 0x" + Integer.toHexString(got & 0xffff);
    }
}

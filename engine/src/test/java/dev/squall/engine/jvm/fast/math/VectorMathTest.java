package dev.squall.engine.jvm.fast.math;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.squall.engine.jvm.fast.driver.GemmDriver;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/**
 * {@link VectorMath}'s exponentials against {@code Math.exp} in double, rounded once: {@link VectorMath#exp}
 * within 2 ulp of the correctly rounded result on a dense sweep of {@code [−110, 90]} (subnormal results
 * included: there the bound is 2 units of the smallest subnormal) and exact at the special values;
 * {@link VectorMath#expNonPositive} the same on {@code [−87.3, 0]}, 0 from −88 down, and NaN stays NaN;
 * {@link VectorMath#exp2NonPositive} against {@code Math.pow(2, x)} the same on {@code [−126, 0]} (and every 4099th
 * float of {@code [−½, 0)}), 0 from −127 down.
 */
class VectorMathTest {
    private static final float[] LANES = new float[GemmDriver.L];

    @Test
    void expWithinTwoUlpIncludingSubnormals() {
        for (float x = -110f; x <= 90f; x = Math.nextUp(x + 1e-3f)) {
            assertWithinTwoUlp(x, one(VectorMath.exp(FloatVector.broadcast(GemmDriver.S, x))), "exp");
        }
        assertEquals(0f, one(VectorMath.exp(FloatVector.broadcast(GemmDriver.S, Float.NEGATIVE_INFINITY))));
        assertEquals(Float.POSITIVE_INFINITY, one(VectorMath.exp(FloatVector.broadcast(GemmDriver.S,
                Float.POSITIVE_INFINITY))));
        assertEquals(1f, one(VectorMath.exp(FloatVector.broadcast(GemmDriver.S, 0f))));
        assertTrue(Float.isNaN(one(VectorMath.exp(FloatVector.broadcast(GemmDriver.S, Float.NaN)))));
    }

    @Test
    void expNonPositiveFlushesOnlyBelowTheNormalRange() {
        for (float x = -87.3f; x <= 0f; x = Math.nextUp(x + 1e-3f)) {
            assertWithinTwoUlp(x, one(VectorMath.expNonPositive(FloatVector.broadcast(GemmDriver.S, x))),
                    "expNonPositive");
        }
        for (float x : new float[] {-88f, -88.5f, -100f, -1e30f, Float.NEGATIVE_INFINITY}) {
            assertEquals(0f, one(VectorMath.expNonPositive(FloatVector.broadcast(GemmDriver.S, x))), "x=" + x);
        }
        assertEquals(1f, one(VectorMath.expNonPositive(FloatVector.broadcast(GemmDriver.S, 0f))));
        assertEquals(1f, one(VectorMath.expNonPositive(FloatVector.broadcast(GemmDriver.S, -0f))));
        assertTrue(Float.isNaN(one(VectorMath.expNonPositive(FloatVector.broadcast(GemmDriver.S, Float.NaN)))));
    }

    @Test
    void exp2NonPositiveWithinTwoUlpAndFlushedOnlyFarBelow() {
        for (float x = -126f; x <= 0f; x = Math.nextUp(x + 1e-3f)) {
            float got = one(VectorMath.exp2NonPositive(FloatVector.broadcast(GemmDriver.S, x)));
            assertWithinTwoUlp(x, got, Math.pow(2, x), "exp2NonPositive");
        }
        // Where the polynomial alone decides, down to tiny arguments: every 4099th float of [−½, 0).
        for (long bits = Float.floatToRawIntBits(-0f) & 0xffffffffL; bits <= (Float.floatToRawIntBits(-0.5f)
                & 0xffffffffL); bits += 4099) {
            float x = Float.intBitsToFloat((int) bits);
            float got = one(VectorMath.exp2NonPositive(FloatVector.broadcast(GemmDriver.S, x)));
            assertWithinTwoUlp(x, got, Math.pow(2, x), "exp2NonPositive");
        }
        for (float x : new float[] {-127f, -127.5f, -200f, -1e30f, Float.NEGATIVE_INFINITY}) {
            assertEquals(0f, one(VectorMath.exp2NonPositive(FloatVector.broadcast(GemmDriver.S, x))), "x=" + x);
        }
        assertEquals(1f, one(VectorMath.exp2NonPositive(FloatVector.broadcast(GemmDriver.S, 0f))));
        assertEquals(1f, one(VectorMath.exp2NonPositive(FloatVector.broadcast(GemmDriver.S, -0f))));
        assertEquals(0.5f, one(VectorMath.exp2NonPositive(FloatVector.broadcast(GemmDriver.S, -1f))));
        assertTrue(Float.isNaN(one(VectorMath.exp2NonPositive(FloatVector.broadcast(GemmDriver.S, Float.NaN)))));
    }

    private static float one(FloatVector v) {
        v.intoArray(LANES, 0);
        for (float lane : LANES) {
            assertEquals(Float.floatToRawIntBits(LANES[0]), Float.floatToRawIntBits(lane), "every lane alike");
        }
        return LANES[0];
    }

    private static void assertWithinTwoUlp(float x, float got, String what) {
        assertWithinTwoUlp(x, got, Math.exp(x), what);
    }

    private static void assertWithinTwoUlp(float x, float got, double exact, String what) {
        float expected = (float) exact;
        double ulp = Math.max(Math.ulp(expected), Float.MIN_VALUE);
        assertTrue(Math.abs(got - exact) <= 2 * ulp, what + "(" + x + ") = " + got + ", expected " + expected);
    }
}

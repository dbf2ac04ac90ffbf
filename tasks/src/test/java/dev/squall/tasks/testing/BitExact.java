package dev.squall.tasks.testing;

import static org.junit.jupiter.api.Assertions.fail;

/** Bit-for-bit comparison of float results that must not differ at all (NaN bits and signed zeros included). */
public final class BitExact {
    private BitExact() {
    }

    /** Fails at the first element whose bits differ, naming {@code subject} and both values. */
    public static void assertIdentical(Subject subject, float[] expected, float[] got) {
        if (expected.length != got.length) {
            fail(subject + ": lengths differ: expected " + expected.length + ", got " + got.length);
        }
        for (int i = 0; i < got.length; i++) {
            int e = Float.floatToRawIntBits(expected[i]);
            int g = Float.floatToRawIntBits(got[i]);
            if (e != g) {
                fail(subject + ": not bit-identical at " + subject.where(i) + ": expected " + expected[i]
                        + " (0x" + Integer.toHexString(e) + ") got " + got[i] + " (0x" + Integer.toHexString(g) + ")");
            }
        }
    }
}

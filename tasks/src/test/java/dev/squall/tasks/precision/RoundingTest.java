package dev.squall.tasks.precision;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.squall.tasks.testing.RandomArrays;
import org.junit.jupiter.api.Test;

/**
 * {@link Rounding} against the JDK: {@code halfEven} against {@link Math#rint}, {@code halfAway} against C's
 * {@code roundf} computed exactly in double, on ties, the float just below a tie (where {@code (int)(v + 0.5f)}
 * would round the wrong way), and random values; {@code scalb} against {@link Math#scalb} bit for bit while the
 * result is normal (as documented), and on one exactly representable subnormal.
 */
class RoundingTest {
    @Test
    void tiesAndNearTies() {
        float[] cases = {0f, 0.5f, 1.5f, 2.5f, 126.5f, 127.5f, 0.49999997f, Math.nextDown(1.5f), Math.nextUp(2.5f),
                1e-30f, 8388607.5f, 8388608f, 2.1e9f};
        for (float v : cases) {
            check(v);
            check(-v);
        }
        assertEquals(2, Rounding.halfEven(2.5f));
        assertEquals(3, Rounding.halfAway(2.5f));
        assertEquals(-3, Rounding.halfAway(-2.5f));
        assertEquals(0, Rounding.halfAway(0.49999997f));
    }

    @Test
    void randomValues() {
        RandomArrays rnd = RandomArrays.fresh();
        for (float v : rnd.uniform(100_000, -300, 300)) {
            check(v);
        }
        for (float v : rnd.logUniform(100_000, 1e-3, 1e9)) {
            check(v);
        }
    }

    @Test
    void scalbIsExact() {
        RandomArrays rnd = RandomArrays.fresh();
        float[] values = rnd.logUniform(2000, 1e-3, 1e3);
        for (float v : values) {
            for (int n = -110; n <= 110; n += 5) {
                assertEquals(Math.scalb(v, n), Rounding.scalb(v, n), v + " * 2^" + n);
            }
        }
        assertEquals(0x1p127f, Rounding.scalb(1f, 127));
        assertEquals(0x1p-126f, Rounding.scalb(1f, -126));
        assertEquals(0x1p-149f, Rounding.scalb(0x1p-23f, -126), "an exactly representable subnormal result");
    }

    private static void check(float v) {
        if (Math.abs(v) < 0x1p31f) {
            if (v >= 0) {
                assertEquals((int) Math.rint(v), Rounding.halfEven(v), "halfEven(" + v + ")");
            }
            int away = (int) Math.copySign(Math.floor(Math.abs((double) v) + 0.5), v);
            assertEquals(away, Rounding.halfAway(v), "halfAway(" + v + ")");
        }
    }
}

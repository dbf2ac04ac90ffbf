package dev.squall.tasks.precision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.squall.tasks.optim.GradClip;
import dev.squall.tasks.testing.BitExact;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link MixedPrecision}: rounding equals {@code Float.floatToFloat16}/{@code float16ToFloat} (fp16) and the
 * {@link BFloat16} round trip (itself checked against a bf16 reference) bit for bit, specials included; scaling by a
 * power of two is exact; the inf/NaN flags mark exactly the chunks holding one, and their reduction is 1 exactly
 * when one is set; every result independent of the row split, outputs poisoned first. Lengths 1, odd, prime and
 * larger than a chunk.
 */
class MixedPrecisionTest {
    private static final int[] LENGTHS = {1, 7, 97, 4099};
    private static final float[] SPECIALS = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
        65504f, 65520f, 65519.99f, 1e-8f, -3e-5f, 0x1p-24f, 3.4e38f, Float.MIN_VALUE, 1.00390625f, 1.01171875f};

    @ParameterizedTest(name = "format={0}")
    @ValueSource(booleans = {true, false})
    void roundsToNearestEven(boolean bf16) {
        for (int length : LENGTHS) {
            RandomArrays rnd = RandomArrays.fresh();
            float[] x = rnd.logUniform(length, 1e-9, 1e5);
            for (int i = 0; i < length; i++) {
                x[i] = i < SPECIALS.length ? SPECIALS[i] : rnd.chance(0.5) ? -x[i] : x[i];
            }
            float[] y = new float[length];
            int chunk = 16;
            Subject subject = Subject.of("MixedPrecision.round" + (bf16 ? "Bf16" : "Fp16"), "length=" + length,
                    rnd.seed());
            RowSlices.run(subject, rnd, GradClip.chunks(length, chunk),
                    (off, cnt) -> {
                        if (bf16) {
                            MixedPrecision.roundBf16(x, y, length, chunk, off, cnt);
                        } else {
                            MixedPrecision.roundFp16(x, y, length, chunk, off, cnt);
                        }
                    }, y);
            float[] expected = new float[length];
            for (int i = 0; i < length; i++) {
                expected[i] = !bf16 ? Float.float16ToFloat(Float.floatToFloat16(x[i]))
                        : bf16Reference(x[i]);
                expected[i] = Float.isNaN(expected[i]) ? Float.NaN : expected[i];
            }
            BitExact.assertIdentical(subject, expected, y);
        }
    }

    /**
     * The bf16 nearest to {@code v} by the reference bit trick (add {@code 0x7fff} plus the lowest kept bit, keep
     * the upper 16 bits), independent of {@link BFloat16}; NaN canonical.
     */
    private static float bf16Reference(float v) {
        if (Float.isNaN(v)) {
            return Float.NaN;
        }
        int bits = Float.floatToRawIntBits(v);
        int rounded = (bits + 0x7fff + ((bits >>> 16) & 1)) & 0xffff0000;
        return Float.intBitsToFloat(rounded);
    }

    @Test
    void scalesExactlyByPowersOfTwo() {
        for (int length : LENGTHS) {
            RandomArrays rnd = RandomArrays.fresh();
            float[] g = rnd.gaussian(length, 0, 1e-3);
            for (float factor : new float[] {65536f, 1f / 65536f, 0.5f}) {
                float[] x = g.clone();
                Subject subject = Subject.of("MixedPrecision.scale", "length=" + length + " factor=" + factor,
                        rnd.seed());
                int chunk = 13;
                int rows = GradClip.chunks(length, chunk);
                // scale() updates in place, so each split starts again from g
                float[] whole = x.clone();
                MixedPrecision.scale(whole, new float[] {factor}, length, chunk, 0, rows);
                for (int[] s : RowSlices.slices(rows, rnd)) {
                    MixedPrecision.scale(x, new float[] {factor}, length, chunk, s[0], s[1]);
                }
                BitExact.assertIdentical(subject, whole, x);
                for (int i = 0; i < length; i++) {
                    assertEquals((double) g[i] * factor, whole[i], 0, subject + " " + subject.where(i));
                }
            }
        }
    }

    @Test
    void flagsExactlyTheChunksWithInfOrNaN() {
        for (int length : LENGTHS) {
            for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f}) {
                RandomArrays rnd = RandomArrays.fresh();
                float[] x = rnd.gaussian(length, 0, 3e38);
                int at = rnd.nextInt(0, length - 1);
                x[at] = bad;
                x[length - 1] = bad == 0f ? Float.MAX_VALUE : x[length - 1];
                int chunk = 8;
                int rows = GradClip.chunks(length, chunk);
                int first = 3;
                int[] flags = new int[first + rows];
                Arrays.fill(flags, 7);
                MixedPrecision.nonFiniteChunks(x, flags, length, chunk, first, 0, rows);
                int[] split = flags.clone();
                Arrays.fill(split, first, split.length, 7);
                for (int[] s : RowSlices.slices(rows, rnd)) {
                    MixedPrecision.nonFiniteChunks(x, split, length, chunk, first, s[0], s[1]);
                }
                assertArrayEquals(flags, split, "flags depend on the row split");
                boolean any = false;
                for (int c = 0; c < rows; c++) {
                    boolean expected = false;
                    for (int i = c * chunk; i < Math.min(length, (c + 1) * chunk); i++) {
                        expected |= !Float.isFinite(x[i]);
                    }
                    any |= expected;
                    assertEquals(expected ? 1 : 0, flags[first + c], "chunk " + c + " with " + bad + ", length " + length);
                }
                Arrays.fill(flags, 0, first, 0);
                int[] found = {-1};
                MixedPrecision.anyFlag(flags, found, flags.length, 0, 1);
                assertEquals(any ? 1 : 0, found[0], "any flag, " + bad + " length " + length);
            }
        }
    }
}

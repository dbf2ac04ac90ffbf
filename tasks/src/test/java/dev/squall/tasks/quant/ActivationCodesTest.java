package dev.squall.tasks.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.squall.tasks.testing.Poison;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link ActivationCodes} against a float64 reference of its definition: group minimum and scale
 * ({@code (max − min)/(2^b − 1)}, exact min, scale within one fp32 rounding), every element within its bound
 * (8 bits: {@code s/2 + 2⁻²⁰·(255·s + amax)}; 4 and 2 bits: one step {@code s·(1 + 2⁻¹⁶)} plus the same fp32
 * term), stochastic rounding unbiased over many seeds, codes and unpacked values independent of the row split,
 * every output overwritten (outputs poisoned first; unused bits of a row's last byte zero), on awkward shapes:
 * one column, odd and prime column counts that leave a partial last byte and group, groups of one row.
 */
class ActivationCodesTest {
    /** rows, cols, group size (a multiple of 4 or at least cols). */
    static Stream<Arguments> shapes() {
        return Stream.of(Arguments.of(1, 1, 1), Arguments.of(3, 7, 7), Arguments.of(5, 37, 8), Arguments.of(2, 131, 32),
                Arguments.of(7, 385, 128), Arguments.of(4, 67, 1000), Arguments.of(1, 3, 4));
    }

    static Stream<Arguments> shapesAndBits() {
        return shapes().flatMap(a -> Stream.of(8, 4, 2).map(b -> Arguments.of(a.get()[0], a.get()[1], a.get()[2], b)));
    }

    @ParameterizedTest(name = "rows={0} cols={1} G={2} bits={3}")
    @MethodSource("shapesAndBits")
    void reconstructsWithinTheBound(int rows, int cols, int groupSize, int bits) {
        int g = bits == 8 || groupSize >= cols ? groupSize : Math.max(4, groupSize - groupSize % 4);
        RandomArrays rnd = RandomArrays.fresh();
        float[] x = rnd.gaussian(rows * cols, 0.3, 2);
        Subject subject = Subject.of("ActivationCodes int" + bits, "rows=" + rows + " cols=" + cols + " G=" + g,
                rnd.seed()).rowsOf(cols);
        Packed p = Packed.run(subject, rnd, x, rows, cols, g, bits, 12345);
        int groups = ActivationCodes.groups(cols, g);
        int levels = (1 << bits) - 1;
        for (int r = 0; r < rows; r++) {
            for (int k = 0; k < groups; k++) {
                int c0 = k * g;
                int c1 = Math.min(c0 + g, cols);
                double lo = Double.MAX_VALUE;
                double hi = -Double.MAX_VALUE;
                double amax = 0;
                for (int c = c0; c < c1; c++) {
                    lo = Math.min(lo, x[r * cols + c]);
                    hi = Math.max(hi, x[r * cols + c]);
                    amax = Math.max(amax, Math.abs(x[r * cols + c]));
                }
                double s = (hi - lo) / levels;
                assertEquals(lo, p.mins[r * groups + k], 0, subject + ": min of group " + k + " row " + r);
                assertEquals(s, p.scales[r * groups + k], Math.ulp((float) s) + Math.ulp((float) (hi - lo)),
                        subject + ": scale of group " + k + " row " + r);
                double fp32 = 0x1p-20 * (levels * s + amax);
                double bound = (bits == 8 ? s / 2 : s * (1 + 0x1p-16)) + fp32;
                for (int c = c0; c < c1; c++) {
                    int i = r * cols + c;
                    double err = Math.abs((double) p.xHat[i] - x[i]);
                    if (!(err <= bound)) {
                        fail(subject + ": " + subject.where(i) + " x=" + x[i] + " x̂=" + p.xHat[i] + " error " + err
                                + " > bound " + bound + " (s=" + s + ")");
                    }
                }
            }
            int rowBytes = ActivationCodes.rowBytes(cols, bits);
            int used = (cols - (rowBytes - 1) * (8 / bits)) * bits;
            int last = p.codes[r * rowBytes + rowBytes - 1] & 0xff;
            assertEquals(0, last >> used, subject + ": unused bits of row " + r + "'s last byte");
        }
    }

    /**
     * The mean of {@code x̂} over 1500 seeds is {@code x}: the draws' errors have variance at most {@code s²/4}, so
     * the mean of {@code N} is within {@code 6·s/(2√N)} (6 standard deviations, fixed seeds) plus the fp32 term.
     * Round to nearest at 8 bits is the same for every seed.
     */
    @ParameterizedTest(name = "bits={0}")
    @MethodSource("stochasticWidths")
    void stochasticRoundingIsUnbiased(int bits) {
        int rows = 3;
        int cols = 37;
        int g = 8;
        int draws = 1500;
        RandomArrays rnd = RandomArrays.fresh();
        float[] x = rnd.gaussian(rows * cols, 0, 1);
        Subject subject = Subject.of("ActivationCodes int" + bits + " stochastic", "rows=3 cols=37 G=8", rnd.seed())
                .rowsOf(cols);
        double[] sum = new double[x.length];
        float[] previous = null;
        boolean varied = false;
        Packed p = null;
        for (int seed = 0; seed < draws; seed++) {
            p = Packed.direct(x, rows, cols, g, bits, seed);
            for (int i = 0; i < x.length; i++) {
                sum[i] += p.xHat[i];
            }
            varied |= previous != null && !Arrays.equals(previous, p.xHat);
            previous = p.xHat;
        }
        assertTrue(varied, subject + ": the codes should depend on the seed");
        int groups = ActivationCodes.groups(cols, g);
        double meanError = 0;
        for (int i = 0; i < x.length; i++) {
            double s = p.scales[(i / cols) * groups + (i % cols) / g];
            double bound = 6 * s / (2 * Math.sqrt(draws)) + 0x1p-20 * (((1 << bits) - 1) * s + 4);
            double err = sum[i] / draws - x[i];
            meanError += err;
            if (!(Math.abs(err) <= bound)) {
                fail(subject + ": " + subject.where(i) + " mean of x̂ off by " + err + " > " + bound);
            }
        }
        // all elements together: the mean error of 111·1500 independent draws, with s < 1.4 for these inputs
        assertTrue(Math.abs(meanError / x.length) < 6 * 1.4 / (2 * Math.sqrt((double) draws * x.length)),
                subject + ": overall mean error " + meanError / x.length);
    }

    static Stream<Integer> stochasticWidths() {
        return Stream.of(4, 2);
    }

    @Test
    void roundToNearestIgnoresTheSeedAndStochasticRepeatsWithTheSameSeed() {
        RandomArrays rnd = RandomArrays.fresh();
        float[] x = rnd.gaussian(5 * 29);
        assertArrayEquals(Packed.direct(x, 5, 29, 29, 8, 1).codes, Packed.direct(x, 5, 29, 29, 8, 2).codes);
        for (int bits : new int[] {4, 2}) {
            assertArrayEquals(Packed.direct(x, 5, 29, 32, bits, 7).codes, Packed.direct(x, 5, 29, 32, bits, 7).codes);
            assertFalse(Arrays.equals(Packed.direct(x, 5, 29, 32, bits, 7).codes,
                    Packed.direct(x, 5, 29, 32, bits, 8).codes), "int" + bits + ": seeds 7 and 8 give the same codes");
        }
    }

    /** A constant group (scale 0) and a group of tiny range come back as their minimum; extremes are exact at 8 bits. */
    @Test
    void constantAndTinyGroupsAndExtremes() {
        float[] x = {3.5f, 3.5f, 3.5f, 3.5f, 1e-39f, 2e-39f, 0f, 1e-39f, -2f, 5f, 1f, 0.25f};
        for (int bits : new int[] {8, 4, 2}) {
            Packed p = Packed.direct(x, 1, 12, 4, bits, 3);
            for (int c = 0; c < 4; c++) {
                assertEquals(3.5f, p.xHat[c], 0f, "constant group, int" + bits);
                assertEquals(0f, p.xHat[4 + c], 3e-39f, "tiny group, int" + bits);
            }
            assertEquals(-2f, p.xHat[8], 0f, "group minimum, int" + bits);
            assertEquals(5f, p.xHat[9], 1e-6f, "group maximum, int" + bits);
        }
    }

    /** A NaN or an infinity makes its whole group unpack non-finite, and leaves the other groups alone. */
    @Test
    void nonFiniteValuesPoisonTheirGroupOnly() {
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            for (int bits : new int[] {8, 4, 2}) {
                float[] x = {1f, 2f, bad, 3f, 1f, 2f, 3f, 4f};
                Packed p = Packed.direct(x, 1, 8, 4, bits, 1);
                for (int c = 0; c < 4; c++) {
                    assertFalse(Float.isFinite(p.xHat[c]), bad + " int" + bits + " col " + c);
                    assertTrue(Float.isFinite(p.xHat[4 + c]), bad + " int" + bits + " col " + (4 + c));
                }
            }
        }
    }

    /** Pack and unpack results: codes, scales, mins and the unpacked values. */
    private record Packed(byte[] codes, float[] scales, float[] mins, float[] xHat) {
        static Packed direct(float[] x, int rows, int cols, int g, int bits, int seed) {
            Packed p = allocate(rows, cols, g, bits);
            ActivationCodes.pack(x, p.codes, p.scales, p.mins, new int[] {seed}, cols, g, bits, 0, rows);
            ActivationCodes.unpack(p.codes, p.scales, p.mins, p.xHat, cols, g, bits, 0, rows);
            return p;
        }

        static Packed allocate(int rows, int cols, int g, int bits) {
            int groups = ActivationCodes.groups(cols, g);
            return new Packed(new byte[rows * ActivationCodes.rowBytes(cols, bits)], Poison.array(rows * groups),
                    Poison.array(rows * groups), Poison.array(rows * cols));
        }

        /**
         * Packs with poisoned outputs (codes filled with 0xA5) as one call and as random row slices, which must
         * give the same bytes; then unpacks the same way ({@link RowSlices}).
         */
        static Packed run(Subject subject, RandomArrays rnd, float[] x, int rows, int cols, int g, int bits, int seed) {
            Packed whole = allocate(rows, cols, g, bits);
            Arrays.fill(whole.codes, (byte) 0xa5);
            ActivationCodes.pack(x, whole.codes, whole.scales, whole.mins, new int[] {seed}, cols, g, bits, 0, rows);
            for (int split = 0; split < RowSlices.SPLITS; split++) {
                Packed part = allocate(rows, cols, g, bits);
                Arrays.fill(part.codes, (byte) 0x5a);
                int[][] slices = RowSlices.slices(rows, rnd);
                for (int[] s : slices) {
                    ActivationCodes.pack(x, part.codes, part.scales, part.mins, new int[] {seed}, cols, g, bits, s[0],
                            s[1]);
                }
                assertArrayEquals(whole.codes, part.codes, subject + ": codes depend on the row split");
                assertArrayEquals(whole.scales, part.scales, subject + ": scales depend on the row split");
                assertArrayEquals(whole.mins, part.mins, subject + ": mins depend on the row split");
            }
            RowSlices.run(subject.with("unpack"), rnd, rows, (off, cnt) -> ActivationCodes.unpack(whole.codes,
                    whole.scales, whole.mins, whole.xHat, cols, g, bits, off, cnt), whole.xHat);
            return whole;
        }
    }
}

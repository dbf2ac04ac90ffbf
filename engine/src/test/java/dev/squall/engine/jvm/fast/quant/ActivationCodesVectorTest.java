package dev.squall.engine.jvm.fast.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;


import dev.squall.engine.jvm.fast.BitExactFastPath;
import dev.squall.tasks.quant.ActivationCodes;
import dev.squall.tasks.testing.Poison;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * {@link ActivationCodesVector} against the plain {@link ActivationCodes} kernels, bit for bit (codes, scales,
 * minimums, unpacked values), for 8, 4 and 2 bits, on awkward shapes (one column, odd and prime widths, groups of
 * 4 to 128 and whole rows, widths below and above a vector, the last row ending at the array's end so the unpack
 * loads must stop short), with random row splits and poisoned outputs; on the machine's preferred vectors and, in a
 * child JVM limited to 256-bit vectors ({@code -XX:MaxVectorSize=32}), on 256-bit ones.
 */
class ActivationCodesVectorTest implements BitExactFastPath {
    /** rows, cols, group. */
    static final int[][] SHAPES = {{1, 1, 1}, {3, 7, 8}, {5, 37, 8}, {2, 131, 32}, {7, 385, 128}, {4, 67, 1000},
        {9, 16, 16}, {3, 200, 20}, {2, 1031, 64}, {1, 5, 4}};

    /** Runs every shape and width; returns a one-line summary or throws on the first difference. */
    @Override
    public String checkAll(RandomArrays rnd) {
        int bitsOfVector = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        for (int[] s : SHAPES) {
            for (int bits : new int[] {8, 4, 2}) {
                check(rnd, s[0], s[1], s[2], bits);
            }
        }
        return bitsOfVector + "-bit: ok (seed " + rnd.seed() + ")";
    }

    private static void check(RandomArrays rnd, int rows, int cols, int group, int bits) {
        String what = "int" + bits + " rows=" + rows + " cols=" + cols + " G=" + group + " seed " + rnd.seed();
        float[] x = rnd.gaussian(rows * cols, 0.2, 2);
        if (cols > 3) {
            x[cols / 2] = -0f;
            x[cols / 3] = 0f;
        }
        int groups = ActivationCodes.groups(cols, group);
        int rowBytes = ActivationCodes.rowBytes(cols, bits);
        int[] seed = {rnd.nextInt(-1000, 1000)};
        byte[] codes = new byte[rows * rowBytes];
        float[] scales = Poison.array(rows * groups);
        float[] mins = Poison.array(rows * groups);
        ActivationCodes.pack(x, codes, scales, mins, seed, cols, group, bits, 0, rows);
        float[] xHat = Poison.array(rows * cols);
        ActivationCodes.unpack(codes, scales, mins, xHat, cols, group, bits, 0, rows);

        byte[] fastCodes = new byte[codes.length];
        Arrays.fill(fastCodes, (byte) 0x5a);
        float[] fastScales = Poison.array(scales.length);
        float[] fastMins = Poison.array(mins.length);
        for (int[] slice : RowSlices.slices(rows, rnd)) {
            ActivationCodesVector.pack(x, fastCodes, fastScales, fastMins, seed, cols, group, bits, slice[0], slice[1]);
        }
        assertArrayEquals(codes, fastCodes, what + ": codes");
        assertArrayEquals(scales, fastScales, what + ": scales");
        assertArrayEquals(mins, fastMins, what + ": mins");
        float[] fastX = Poison.array(xHat.length);
        for (int[] slice : RowSlices.slices(rows, rnd)) {
            ActivationCodesVector.unpack(codes, scales, mins, fastX, cols, group, bits, slice[0], slice[1]);
        }
        assertArrayEquals(xHat, fastX, what + ": unpacked");
    }
}

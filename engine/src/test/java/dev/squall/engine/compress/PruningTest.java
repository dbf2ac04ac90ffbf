package dev.squall.engine.compress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.squall.tasks.testing.RandomArrays;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Pruning hits the requested sparsity exactly (round(s·N) zeros, no more, no fewer, on weights without
 * natural zeros), removes the smallest magnitudes and nothing else, breaks ties by position, and the 2:4
 * pattern keeps the 2 largest of every 4. CSR and 2:4 storage reproduce the pruned weight exactly.
 */
class PruningTest {
    @Test
    void perRowPrunesExactlyTheSmallestOfEachRow() {
        RandomArrays rnd = RandomArrays.fresh();
        int out = 13;
        int in = 37;
        for (double s : new double[] {0, 0.1, 0.5, 0.9, 0.95, 1}) {
            float[] w = rnd.gaussian(out * in);
            float[] pruned = w.clone();
            Pruning.perRow(pruned, out, in, s);
            long expected = Math.round(s * in);
            for (int j = 0; j < out; j++) {
                float[] row = Arrays.copyOfRange(pruned, j * in, j * in + in);
                float[] original = Arrays.copyOfRange(w, j * in, j * in + in);
                assertEquals(expected, zeros(row), "row " + j + " sparsity " + s);
                assertSmallestRemoved(original, row);
            }
        }
    }

    @Test
    void globalPruningCountsAcrossTensors() {
        RandomArrays rnd = RandomArrays.fresh();
        float[] a = rnd.gaussian(300, 0, 1);
        float[] b = rnd.gaussian(500, 0, 0.1); // smaller weights: pruned first
        float[] empty = new float[0];
        float[] c = rnd.gaussian(77, 0, 3);
        float[] all = new float[877];
        System.arraycopy(a, 0, all, 0, 300);
        System.arraycopy(b, 0, all, 300, 500);
        System.arraycopy(c, 0, all, 800, 77);
        List<float[]> tensors = List.of(a, empty, b, c);
        Pruning.global(tensors, 0.7);
        float[] after = new float[877];
        System.arraycopy(a, 0, after, 0, 300);
        System.arraycopy(b, 0, after, 300, 500);
        System.arraycopy(c, 0, after, 800, 77);
        assertEquals(Math.round(0.7 * 877), zeros(after));
        assertSmallestRemoved(all, after);
        assertTrue(zeros(b) > zeros(a) * 500 / 300, "the tensor of small weights loses more");
    }

    @Test
    void tiesArePrunedInPositionOrder() {
        float[] w = {1, -1, 1, 2, -1, 3};
        Pruning.perRow(w, 1, 6, 0.5);
        assertArrayEquals(new float[] {0, 0, 0, 2, -1, 3}, w);
    }

    @Test
    void twoFourKeepsTheTwoLargestOfEveryFour() {
        RandomArrays rnd = RandomArrays.fresh();
        int out = 9;
        int in = 44;
        float[] w = rnd.gaussian(out * in);
        float[] pruned = w.clone();
        Pruning.twoFour(pruned, out, in);
        for (int g = 0; g < out * in / 4; g++) {
            float[] group = Arrays.copyOfRange(pruned, 4 * g, 4 * g + 4);
            assertEquals(2, zeros(group));
            assertSmallestRemoved(Arrays.copyOfRange(w, 4 * g, 4 * g + 4), group);
        }
        var e = assertThrows(IllegalArgumentException.class, () -> Pruning.twoFour(new float[30], 3, 10));
        assertTrue(e.getMessage().contains("multiple of 4"), e.getMessage());
    }

    @Test
    void csrAndTwoFourStoreThePrunedWeightExactly() {
        RandomArrays rnd = RandomArrays.fresh();
        int out = 11;
        int in = 36;
        float[] w = rnd.gaussian(out * in);
        float[] rows = w.clone();
        Pruning.perRow(rows, out, in, 0.8);
        CsrLinear csr = CsrLinear.of(new RowWeights(rows, new float[out], out, in));
        assertArrayEquals(rows, csr.dequantize());
        assertEquals(0.8, csr.sparsity(), 0.02);
        float[] two = w.clone();
        Pruning.twoFour(two, out, in);
        two[5] = 0f; // a group with a single non-zero
        Arrays.fill(two, 8, 12, 0f); // and one with none
        assertArrayEquals(two, Sparse24Linear.of(new RowWeights(two, new float[out], out, in)).dequantize());
        var e = assertThrows(IllegalArgumentException.class,
                () -> Sparse24Linear.of(new RowWeights(w, new float[out], out, in)));
        assertTrue(e.getMessage().contains("more than 2 non-zeros"), e.getMessage());
    }

    @Test
    void rejectsBadSparsity() {
        assertThrows(IllegalArgumentException.class, () -> Pruning.perRow(new float[4], 1, 4, 1.5));
        assertThrows(IllegalArgumentException.class, () -> Pruning.global(List.of(new float[4]), Double.NaN));
    }

    /** Every removed weight is no larger in magnitude than every kept one. */
    private static void assertSmallestRemoved(float[] original, float[] pruned) {
        float maxRemoved = 0f;
        float minKept = Float.POSITIVE_INFINITY;
        for (int i = 0; i < original.length; i++) {
            if (pruned[i] == 0f) {
                maxRemoved = Math.max(maxRemoved, Math.abs(original[i]));
            } else {
                assertEquals(original[i], pruned[i], "kept weights are unchanged");
                minKept = Math.min(minKept, Math.abs(original[i]));
            }
        }
        assertTrue(maxRemoved <= minKept, "removed " + maxRemoved + " > kept " + minKept);
    }

    private static long zeros(float[] w) {
        long z = 0;
        for (float v : w) {
            z += v == 0f ? 1 : 0;
        }
        return z;
    }
}

package dev.squall.tasks.padding;

import dev.squall.tasks.testing.BitExact;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link Padding} against plain-loop references, bit for bit (the kernels only copy and zero): lengths
 * including 0, 1, all equal and the padded length itself, padded to the longest sequence or beyond, row
 * widths 1, 7 and 130. Outputs are poisoned before every run ({@link RowSlices#run}); the padding rows of
 * padded inputs are NaN, which proves {@code unpad} and {@code zeroPadding} never read them.
 */
class PaddingTest {
    private static final int[] COLS = {1, 7, 130};

    /** Batches as {maxLen, lengths...}; random mixes are added per run. */
    private static List<int[]> batches(RandomArrays rnd) {
        List<int[]> batches = new ArrayList<>(List.of(new int[] {1, 1}, new int[] {5, 5, 5, 5}, new int[] {7, 0, 7, 3},
                new int[] {4, 1, 1, 1}, new int[] {9, 2, 0}, new int[] {3, 0}));
        for (int n = 0; n < 4; n++) {
            int batch = rnd.nextInt(1, 9);
            int maxLen = rnd.nextInt(1, 40);
            int[] b = new int[batch + 1];
            b[0] = maxLen;
            for (int i = 1; i <= batch; i++) {
                b[i] = rnd.nextInt(0, maxLen);
            }
            batches.add(b);
        }
        return batches;
    }

    @Test
    void padUnpadAndZeroPaddingMatchReferences() {
        RandomArrays rnd = RandomArrays.fresh();
        for (int[] spec : batches(rnd)) {
            for (int cols : COLS) {
                check(rnd, spec[0], Arrays.copyOfRange(spec, 1, spec.length), cols);
            }
        }
    }

    private static void check(RandomArrays rnd, int maxLen, int[] lengths, int cols) {
        int batch = lengths.length;
        int[] seqStart = new int[batch + 1];
        for (int b = 0; b < batch; b++) {
            seqStart[b + 1] = seqStart[b] + lengths[b];
        }
        int tokens = seqStart[batch];
        int paddedRows = batch * maxLen;
        Subject subject = Subject.of("Padding", "maxLen=" + maxLen + " lengths=" + Arrays.toString(lengths)
                + " cols=" + cols, rnd.seed()).rowsOf(cols);

        float[] packedIn = rnd.gaussian(tokens * cols);
        float[] paddedIn = rnd.gaussian(paddedRows * cols);
        float[] expectedPadded = new float[paddedRows * cols];
        float[] expectedPacked = new float[tokens * cols];
        float[] expectedZeroed = new float[paddedRows * cols];
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < maxLen; i++) {
                int row = b * maxLen + i;
                if (i < lengths[b]) {
                    int t = seqStart[b] + i;
                    System.arraycopy(packedIn, t * cols, expectedPadded, row * cols, cols);
                    System.arraycopy(paddedIn, row * cols, expectedPacked, t * cols, cols);
                    System.arraycopy(paddedIn, row * cols, expectedZeroed, row * cols, cols);
                } else {
                    Arrays.fill(paddedIn, row * cols, (row + 1) * cols, Float.NaN); // never read
                }
            }
        }

        float[] padded = new float[paddedRows * cols];
        RowSlices.run(subject.with("pad"), rnd, paddedRows,
                (off, cnt) -> Padding.pad(packedIn, padded, seqStart, cols, maxLen, off, cnt), padded);
        BitExact.assertIdentical(subject.with("pad"), expectedPadded, padded);

        float[] packed = new float[tokens * cols];
        RowSlices.run(subject.with("unpad"), rnd, tokens,
                (off, cnt) -> Padding.unpad(paddedIn, packed, seqStart, cols, maxLen, off, cnt), packed);
        BitExact.assertIdentical(subject.with("unpad"), expectedPacked, packed);

        float[] zeroed = new float[paddedRows * cols];
        RowSlices.run(subject.with("zeroPadding"), rnd, paddedRows,
                (off, cnt) -> Padding.zeroPadding(paddedIn, zeroed, seqStart, cols, maxLen, off, cnt), zeroed);
        BitExact.assertIdentical(subject.with("zeroPadding"), expectedZeroed, zeroed);

        float[] roundTrip = new float[tokens * cols];
        Padding.unpad(padded, roundTrip, seqStart, cols, maxLen, 0, tokens);
        BitExact.assertIdentical(subject.with("unpad(pad(x))"), packedIn, roundTrip);
    }
}

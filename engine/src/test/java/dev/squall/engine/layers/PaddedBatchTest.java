package dev.squall.engine.layers;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link PaddedBatch} and {@link Sequences}: building from lengths, offsets and masks, and their errors. */
class PaddedBatchTest {
    private static final float NEG = Float.NEGATIVE_INFINITY;

    @Test
    void fromLengths() {
        PaddedBatch batch = PaddedBatch.ofLengths(4, 2, 0, 4, 1);
        assertArrayEquals(new int[]{0, 2, 2, 6, 7}, batch.seqs().starts());
        assertEquals(4, batch.batch());
        assertEquals(7, batch.tokens());
        assertEquals(16, batch.rows());
        assertArrayEquals(new int[]{0, 4, 8, 12, 16}, batch.slots().starts());
        assertArrayEquals(new float[]{0, 0, NEG, NEG, NEG, NEG, NEG, NEG, 0, 0, 0, 0, 0, NEG, NEG, NEG},
                batch.keyPaddingMask());
    }

    @Test
    void fromMaskOfPrefixesOfOnes() {
        float[] mask = {1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1};
        PaddedBatch batch = PaddedBatch.fromMask(mask, 3, 4);
        assertArrayEquals(new int[]{2, 0, 4}, batch.seqs().lengths());
        assertEquals(4, batch.maxLen());
    }

    @Test
    void maskErrorsSayWhatIsWrongAndWhere() {
        assertMessage("mask values must be 0 or 1, got 0.5 at [1, 0]",
                () -> PaddedBatch.fromMask(new float[]{1, 0, 0.5f, 0}, 2, 2));
        assertMessage("mask values must be 0 or 1, got NaN at [0, 1]",
                () -> PaddedBatch.fromMask(new float[]{1, Float.NaN}, 1, 2));
        assertMessage("mask row 1 is not a prefix of ones (right padding): 1 at 2 after 0 at 1",
                () -> PaddedBatch.fromMask(new float[]{1, 1, 1, 1, 0, 1}, 2, 3));
        assertMessage("mask row 0 is not a prefix of ones (right padding): 1 at 1 after 0 at 0",
                () -> PaddedBatch.fromMask(new float[]{0, 1}, 1, 2));
        assertMessage("mask must be [batch, maxLen] = [2, 3], got 5 values",
                () -> PaddedBatch.fromMask(new float[5], 2, 3));
        assertMessage("the batch has no tokens", () -> PaddedBatch.fromMask(new float[4], 2, 2));
    }

    @Test
    void lengthAndOffsetErrors() {
        assertMessage("sequence lengths must be >= 0, got -1 at index 1", () -> PaddedBatch.ofLengths(5, 3, -1));
        assertMessage("sequence 1 has 6 tokens, more than the padded length 5", () -> PaddedBatch.ofLengths(5, 3, 6));
        assertMessage("padded length must be >= 1, got 0", () -> PaddedBatch.ofLengths(0, 0));
        assertMessage("at least one sequence length is needed", () -> PaddedBatch.ofLengths(3));
        assertMessage("sequence offsets must not decrease, got [0, 5, 3]", () -> Sequences.ofOffsets(0, 5, 3));
        assertMessage("sequence offsets must start at 0", () -> Sequences.ofOffsets(1, 5));
        assertMessage("sequence offsets must start at 0", () -> Sequences.ofOffsets(0));
        assertArrayEquals(new int[]{5, 0, 2}, Sequences.ofOffsets(0, 5, 5, 7).lengths());
        assertEquals(5, Sequences.ofOffsets(0, 5, 5, 7).maxLen());
    }

    private static void assertMessage(String fragment, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(fragment), "expected '" + fragment + "' in: " + e.getMessage());
    }
}

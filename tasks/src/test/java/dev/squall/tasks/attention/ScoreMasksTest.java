package dev.squall.tasks.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import org.junit.jupiter.api.Test;

/**
 * {@link ScoreMasks#apply}: every score is kept exactly where the mask chosen for its (sequence, head)
 * shows the key, −∞ elsewhere, on mixed lengths with several masks.
 */
class ScoreMasksTest {
    @Test
    void keepsExactlyTheVisibleScores() {
        for (int[] lengths : new int[][] {{1}, {17, 0, 5}, {33, 33}}) {
            RandomArrays rnd = RandomArrays.fresh();
            int heads = 3;
            int maxLen = 0;
            int[] seqStart = new int[lengths.length + 1];
            for (int b = 0; b < lengths.length; b++) {
                seqStart[b + 1] = seqStart[b] + lengths[b];
                maxLen = Math.max(maxLen, lengths[b]);
            }
            int rows = seqStart[lengths.length] * heads;
            float[] scores = rnd.gaussian(rows * maxLen);
            int masks = 4;
            byte[] mask = new byte[masks * maxLen * maxLen];
            for (int e = 0; e < mask.length; e++) {
                mask[e] = (byte) (rnd.chance(0.4) ? 1 : 0);
            }
            int[] maskOf = new int[lengths.length * heads];
            for (int e = 0; e < maskOf.length; e++) {
                maskOf[e] = rnd.nextInt(0, masks - 1);
            }
            float[] masked = new float[scores.length];
            int width = maxLen;
            RowSlices.run(Subject.of("ScoreMasks.apply", "lengths " + java.util.Arrays.toString(lengths), rnd.seed()), rnd,
                    rows, (off, cnt) -> ScoreMasks.apply(scores, mask, maskOf, masked, seqStart, heads, width, off, cnt),
                    masked);
            for (int b = 0; b < lengths.length; b++) {
                for (int h = 0; h < heads; h++) {
                    for (int i = 0; i < lengths[b]; i++) {
                        int row = (seqStart[b] + i) * heads + h;
                        for (int j = 0; j < maxLen; j++) {
                            boolean visible = mask[(maskOf[b * heads + h] * maxLen + i) * maxLen + j] != 0;
                            assertEquals(visible ? scores[row * maxLen + j] : Float.NEGATIVE_INFINITY,
                                    masked[row * maxLen + j], "row " + row + " key " + j + " seed " + rnd.seed());
                        }
                    }
                }
            }
        }
    }
}

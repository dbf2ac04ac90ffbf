package dev.squall.engine.jvm.fast.attention;

import dev.squall.tasks.attention.AttentionCase;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.attention.QueryBlocks;
import dev.squall.tasks.attention.TopKAttention;
import dev.squall.tasks.testing.BitExact;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link TopKAttentionVector} gives the plain kernel's bits: output, kept scores and kept keys, on every
 * {@link AttentionCase#awkwardShapes()} shape and on sequences longer than a key tile and a query group, causal or
 * not, {@code K} from 1 to past the sequence, with some keys duplicated (equal scores: the earlier key wins);
 * rows split at random give the same bits.
 */
class TopKAttentionVectorTest {

    @ParameterizedTest(name = "causal={0}")
    @ValueSource(booleans = {false, true})
    void givesThePlainKernelsBits(boolean causal) {
        List<AttentionCase.Shape> shapes = new ArrayList<>(AttentionCase.awkwardShapes());
        shapes.add(new AttentionCase.Shape(new int[] {300, 131}, 2, 64));
        for (AttentionCase.Shape s : shapes) {
            RandomArrays rnd = RandomArrays.fresh();
            AttentionCase c = AttentionCase.random(rnd, s, causal ? AttentionMask.CAUSAL : 0, rnd.chance(0.5));
            duplicateSomeKeys(c, rnd);
            int kk = new int[] {1, 3, 17, 200}[rnd.nextInt(0, 3)];
            int[] pattern = {causal ? AttentionMask.CAUSAL : 0, kk};
            Subject subject = Subject.of("TopKAttentionVector", c.describe() + " K=" + kk, rnd.seed())
                    .rowsOf(c.heads() * c.d());
            int rows = QueryBlocks.rows(c.seqStart(), c.batch(), c.heads());
            float[] out = new float[c.outputSize()];
            float[] topScore = new float[c.queryRows() * kk];
            int[] topKey = new int[topScore.length];
            RowSlices.run(subject, rnd, rows, (off, cnt) -> TopKAttentionVector.attention(c.q(), c.k(), c.v(), out,
                    c.seqStart(), pattern, topScore, topKey, c.heads(), c.d(), c.ld(), c.kCol(), c.vCol(), off, cnt),
                    out, topScore);
            float[] plainOut = new float[out.length];
            float[] plainScore = new float[topScore.length];
            int[] plainKey = new int[topKey.length];
            TopKAttention.attention(c.q(), c.k(), c.v(), plainOut, c.seqStart(), pattern, plainScore, plainKey, c.heads(),
                    c.d(), c.ld(), c.kCol(), c.vCol(), 0, rows);
            BitExact.assertIdentical(subject.with("output vs plain"), plainOut, out);
            BitExact.assertIdentical(subject.with("kept scores vs plain"), plainScore, topScore);
            for (int e = 0; e < topKey.length; e++) {
                if (topKey[e] != plainKey[e]) {
                    throw new AssertionError(subject.with("kept keys vs plain") + ": entry " + e + " is " + topKey[e]
                            + ", plain " + plainKey[e]);
                }
            }
        }
    }

    /** Copies a few keys of each sequence onto later positions, so that some scores tie exactly. */
    private static void duplicateSomeKeys(AttentionCase c, RandomArrays rnd) {
        int width = c.heads() * c.d();
        for (int b = 0; b < c.batch(); b++) {
            int n = c.lengths()[b];
            for (int e = 0; e < n / 4; e++) {
                int from = c.seqStart()[b] + rnd.nextInt(0, n - 1);
                int to = c.seqStart()[b] + rnd.nextInt(0, n - 1);
                System.arraycopy(c.k(), from * c.ld() + c.kCol(), c.k(), to * c.ld() + c.kCol(), width);
            }
        }
    }
}

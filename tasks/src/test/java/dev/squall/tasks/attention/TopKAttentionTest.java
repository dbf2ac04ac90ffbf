package dev.squall.tasks.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link TopKAttention}: the set each query keeps is its exact top {@code K} of the float64 scores (where
 * the {@code K}-th and {@code (K+1)}-th scores are further apart than fp32 rounding can blur; closer, any
 * set that is a top {@code K} within rounding passes), and the output is float64 dense attention restricted
 * to that set. {@code K ≥ n} is dense attention. The unfused {@link TopKAttention#keepTopK} on the
 * materialised scores keeps the same sets and scores.
 */
class TopKAttentionTest {
    /** Scores closer than this (relative to their scale) may swap ranks in fp32. */
    private static final double AMBIGUOUS = 1e-4;

    @ParameterizedTest(name = "causal={0}")
    @ValueSource(booleans = {false, true})
    void keepsTheTopKAndMatchesDenseOnThem(boolean causal) {
        for (AttentionCase.Shape s : AttentionCase.awkwardShapes()) {
            RandomArrays rnd = RandomArrays.fresh();
            AttentionCase c = AttentionCase.random(rnd, s, PatternCheck.flags(causal), rnd.chance(0.5));
            int kk = new int[] {1, 2, 5, c.maxLen(), c.maxLen() + 3}[rnd.nextInt(0, 4)];
            check(c, rnd, causal, kk);
        }
    }

    @Test
    void edgeCases() {
        for (boolean causal : new boolean[] {false, true}) {
            for (int[] lengths : new int[][] {{1}, {2, 1}, {70, 0, 9}}) {
                for (int kk : new int[] {1, 3, 100}) {
                    RandomArrays rnd = RandomArrays.fresh();
                    check(AttentionCase.random(rnd, new AttentionCase.Shape(lengths, 2, 16), PatternCheck.flags(causal),
                            false), rnd, causal, kk);
                }
            }
        }
    }

    /** Equal scores: the earlier key is kept, in both kernels. */
    @Test
    void tiesKeepTheEarlierKey() {
        RandomArrays rnd = RandomArrays.fresh();
        AttentionCase c = AttentionCase.random(rnd, new AttentionCase.Shape(new int[] {40}, 1, 4), 0, false);
        for (int t = 0; t < 40; t++) {
            System.arraycopy(new float[] {1, 0, 0, 0}, 0, c.k(), t * 4, 4); // every key alike: all scores tie
        }
        int kk = 7;
        int[] pattern = {0, kk};
        float[] out = new float[c.outputSize()];
        float[] topScore = new float[c.tokens() * kk];
        int[] topKey = new int[c.tokens() * kk];
        TopKAttention.attention(c.q(), c.k(), c.v(), out, c.seqStart(), pattern, topScore, topKey, 1, 4, 4, 0, 0, 0,
                PatternCheck.blockRows(c));
        for (int t = 0; t < 40; t++) {
            assertEquals(Set.of(0, 1, 2, 3, 4, 5, 6), keptSet(topKey, t * kk, kk), "query " + t);
        }
    }

    private static void check(AttentionCase c, RandomArrays rnd, boolean causal, int kk) {
        int[] pattern = {PatternCheck.flags(causal), kk};
        Subject subject = PatternCheck.subject("TopKAttention.attention", "K=" + kk, c, rnd);
        float[] topScore = new float[c.queryRows() * kk];
        int[] topKey = new int[c.queryRows() * kk];
        AttentionReference dense = AttentionReference.of(c);
        Set<?>[] keptByRow = new Set<?>[c.queryRows()];
        PatternCheck.check(subject, c, rnd, PatternCheck.blockRows(c),
                (out, off, cnt) -> TopKAttention.attention(c.q(), c.k(), c.v(), out, c.seqStart(), pattern, topScore,
                        topKey, c.heads(), c.d(), c.ld(), c.kCol(), c.vCol(), off, cnt),
                (b, h, i, j) -> {
                    int row = (c.seqStart()[b] + i) * c.heads() + h;
                    if (keptByRow[row] == null) {
                        Set<Integer> kept = keptSet(topKey, row * kk, kk);
                        checkIsTopK(subject, dense, row, c.maxLen(), kk, kept);
                        keptByRow[row] = kept;
                    }
                    return keptByRow[row].contains(j);
                }, topScore);

        // The unfused form on the materialised scores keeps the same keys with the same scores.
        float[] scores = PatternCheck.denseScores(c);
        float[] masked = new float[scores.length];
        float[] unfusedScore = new float[topScore.length];
        int[] unfusedKey = new int[topKey.length];
        RowSlices.run(subject.with("keepTopK"), rnd, c.queryRows(), (off, cnt) -> TopKAttention.keepTopK(scores,
                masked, unfusedScore, unfusedKey, pattern, c.maxLen(), off, cnt), masked, unfusedScore);
        for (int row = 0; row < c.queryRows(); row++) {
            Set<Integer> kept = keptSet(topKey, row * kk, kk);
            for (int j = 0; j < c.maxLen(); j++) {
                float expected = kept.contains(j) ? scores[row * c.maxLen() + j] : Float.NEGATIVE_INFINITY;
                assertEquals(expected, masked[row * c.maxLen() + j], subject + ": keepTopK row " + row + " key " + j);
            }
            assertEquals(kept, keptSet(unfusedKey, row * kk, kk), subject + ": keepTopK heap of row " + row);
        }
    }

    /** The keys in heap row {@code base .. base+kk}, empty slots (−1) left out. */
    private static Set<Integer> keptSet(int[] topKey, int base, int kk) {
        Set<Integer> kept = new HashSet<>();
        for (int e = 0; e < kk; e++) {
            if (topKey[base + e] >= 0) {
                kept.add(topKey[base + e]);
            }
        }
        return kept;
    }

    /**
     * Checks that {@code kept} is a top-{@code kk} set of row {@code row}'s float64 scores: exactly the
     * float64 top {@code kk} (earlier key first on ties) when the boundary is clear, otherwise no kept score
     * below a dropped one by more than rounding.
     */
    private static void checkIsTopK(Subject subject, AttentionReference dense, int row, int maxLen, int kk,
                                    Set<Integer> kept) {
        Integer[] order = IntStream.range(0, maxLen).filter(j -> dense.scores()[row * maxLen + j] != Double.NEGATIVE_INFINITY)
                .boxed().sorted(Comparator.comparingDouble((Integer j) -> -dense.scores()[row * maxLen + j])
                        .thenComparingInt(j -> j)).toArray(Integer[]::new);
        int size = Math.min(kk, order.length);
        assertEquals(size, kept.size(), subject + ": row " + row + " keeps " + kept);
        if (size == order.length) {
            assertEquals(Set.of(order), kept, subject + ": row " + row);
            return;
        }
        double last = dense.scores()[row * maxLen + order[size - 1]];
        double next = dense.scores()[row * maxLen + order[size]];
        double tol = AMBIGUOUS * Math.max(dense.scoreScale()[row * maxLen + order[size - 1]],
                dense.scoreScale()[row * maxLen + order[size]]);
        if (last - next > tol) {
            assertEquals(Set.of(Arrays.copyOf(order, size)), kept, subject + ": row " + row);
            return;
        }
        for (int j : order) {
            double s = dense.scores()[row * maxLen + j];
            if (kept.contains(j) ? s < next - tol : s > last + tol) {
                fail(subject + ": row " + row + " kept " + kept + " is not a top-" + kk + " set");
            }
        }
        assertTrue(kept.stream().allMatch(j -> j < maxLen));
    }

    @Test
    void heapOfferKeepsTheBestAndRanksTiesByPosition() {
        float[] score = new float[3];
        int[] key = new int[3];
        int size = 0;
        float[] values = {3, 3, 5, 1, 3, 9};
        for (int j = 0; j < values.length; j++) {
            size = TopKAttention.offer(score, key, 0, size, 3, values[j], j);
        }
        int[] kept = Arrays.stream(key).sorted().toArray();
        assertArrayEquals(new int[] {0, 2, 5}, kept);
    }
}

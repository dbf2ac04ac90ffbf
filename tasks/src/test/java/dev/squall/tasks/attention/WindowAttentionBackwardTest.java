package dev.squall.tasks.attention;

import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.Subject;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Sliding-window attention for training: {@link WindowAttention#attentionWithLse} and {@link WindowAttentionBackward}
 * (after {@link FusedAttentionBackward#outputDots}) on packed QKV, causal and not, for all
 * {@link AttentionCase#awkwardShapes()} (T = 1, primes, lengths around the 16/64 blocks, packed sequences with an
 * empty one, 1 and 3 heads, d = 1, 7, 64), each with a random radius among 0, 1, a prime, the blocks' sizes and
 * beyond the longest sequence, against exact float64 attention over the window (the window as an additive mask of
 * the float64 reference) and the unfused backward on that mask, with the bounds of {@link FusedBackwardCheck}.
 * A radius of at least the sequence length gives the dense fused kernels' bits.
 */
class WindowAttentionBackwardTest {
    private static final int[] RADII = {0, 1, 2, 7, 15, 16, 17, 63, 64, 65, 99, 100, 1000};

    @ParameterizedTest(name = "causal={0}")
    @ValueSource(booleans = {false, true})
    void matchesFloat64OverTheWindow(boolean causal) {
        for (AttentionCase.Shape s : AttentionCase.awkwardShapes()) {
            RandomArrays rnd = RandomArrays.fresh();
            int radius = RADII[rnd.nextInt(0, RADII.length - 1)];
            FusedBackwardCheck.run(AttentionCase.random(rnd, s, causal ? AttentionMask.CAUSAL : 0, true),
                    causal ? 1 : 0, radius, rnd);
        }
    }

    @ParameterizedTest(name = "causal={0}")
    @ValueSource(booleans = {false, true})
    void wideWindowIsDenseFusedAttentionBitForBit(boolean causal) {
        for (AttentionCase.Shape s : AttentionCase.awkwardShapes()) {
            RandomArrays rnd = RandomArrays.fresh();
            AttentionCase c = AttentionCase.random(rnd, s, causal ? AttentionMask.CAUSAL : 0, true);
            int radius = c.maxLen() - 1 + rnd.nextInt(0, 3);
            long seed = rnd.seed() + 1; // both runs draw the same splits and output gradient
            FusedBackwardCheck window = FusedBackwardCheck.run(c, causal ? 1 : 0, radius, RandomArrays.withSeed(seed));
            FusedBackwardCheck dense = FusedBackwardCheck.run(c, causal ? 1 : 0, Integer.MAX_VALUE,
                    RandomArrays.withSeed(seed));
            window.assertIdentical(Subject.of("window radius " + radius + " vs dense fused", c.describe(), rnd.seed())
                    .rowsOf(c.heads() * c.d()), dense);
        }
    }
}

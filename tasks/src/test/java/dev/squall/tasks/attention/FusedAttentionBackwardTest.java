package dev.squall.tasks.attention;

import dev.squall.tasks.testing.BitExact;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.Subject;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The FlashAttention-2 style backward: {@link FusedAttention#attentionWithLse}, then
 * {@link FusedAttentionBackward#outputDots}, {@link FusedAttentionBackward#queryGradient} and
 * {@link FusedAttentionBackward#keyValueGradient}, on packed QKV, causal and not, for all
 * {@link AttentionCase#awkwardShapes()} (T = 1, lengths around the 16-query and 64-key blocks, several packed
 * sequences including an empty one, 1 and 3 heads, d = 1, 7, 64), every kernel with random row splits, against
 * float64 and the unfused backward with the bounds of {@link FusedBackwardCheck}. The output of
 * {@code attentionWithLse} is bit-identical to {@link FusedAttention#attention}'s (the same loop).
 */
class FusedAttentionBackwardTest {

    @ParameterizedTest(name = "causal={0}")
    @ValueSource(booleans = {false, true})
    void matchesFloat64AndTheUnfusedBackward(boolean causal) {
        for (AttentionCase.Shape s : AttentionCase.awkwardShapes()) {
            RandomArrays rnd = RandomArrays.fresh();
            AttentionCase c = AttentionCase.random(rnd, s, causal ? AttentionMask.CAUSAL : 0, true);
            FusedBackwardCheck got = FusedBackwardCheck.run(c, causal ? 1 : 0, Integer.MAX_VALUE, rnd);
            float[] plain = new float[c.outputSize()];
            FusedAttention.attention(c.q(), c.k(), c.v(), c.mask(), plain, c.seqStart(), c.heads(), c.d(), c.ld(),
                    c.kCol(), c.vCol(), c.maskFlags(), c.maxLen(), 0, FusedAttention.rows(c.seqStart(), c.batch(),
                            c.heads()));
            BitExact.assertIdentical(Subject.of("attentionWithLse vs FusedAttention.attention", c.describe(), rnd.seed()),
                    plain, got.out());
        }
    }
}

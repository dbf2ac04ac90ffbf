package dev.squall.tasks.attention;

import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link FusedAttention} against the float64 attention and against the unfused kernels, for every mask
 * combination, separate and packed Q/K/V, and all {@link AttentionCase#awkwardShapes()} (query counts around
 * {@link FusedAttention#QUERY_BLOCK}, key counts just over {@link FusedAttention#KEY_BLOCK}), with
 * {@link FusedAttention#rows} parallel rows split at random.
 *
 * <p>Bounds: against float64 {@code 1e-5 · Σ_j p_j|v_jc|} (as the unfused output; the online-softmax rescaling
 * adds a few roundings per key block); against the unfused kernels {@code 2e-5} of the same scale, the sum of
 * the two kernels' bounds; a query that sees no key must output zeros.
 */
class FusedAttentionTest {
    static Stream<Arguments> masksAndLayouts() {
        return DenseAttentionTest.masksAndLayouts();
    }

    @ParameterizedTest(name = "maskFlags={0} packed={1}")
    @MethodSource("masksAndLayouts")
    void matchesFloat64AndUnfusedAttention(int maskFlags, boolean packed) {
        for (AttentionCase.Shape s : AttentionCase.awkwardShapes()) {
            RandomArrays rnd = RandomArrays.fresh();
            check(AttentionCase.random(rnd, s, maskFlags, packed), rnd);
        }
    }

    /** Queries whose additive-mask row is all −∞, alone and with the causal mask: their output is zero. */
    @Test
    void queryThatSeesNoKeyGetsZeros() {
        for (int flags : new int[] {AttentionMask.ADDITIVE, AttentionMask.ADDITIVE | AttentionMask.CAUSAL}) {
            for (int n : new int[] {17, 100}) {
                RandomArrays rnd = RandomArrays.fresh();
                AttentionCase c = AttentionCase.random(rnd, new AttentionCase.Shape(new int[] {n, n}, 3, 7), flags, false)
                        .hidingAllKeysFrom(0).hidingAllKeysFrom(n / 2).hidingAllKeysFrom(n - 1);
                check(c, rnd);
            }
        }
    }

    private static void check(AttentionCase c, RandomArrays rnd) {
        Subject subject = Subject.of("FusedAttention.attention", c.describe(), rnd.seed()).rowsOf(c.heads() * c.d());
        float[] out = new float[c.outputSize()];
        RowSlices.run(subject, rnd, FusedAttention.rows(c.seqStart(), c.batch(), c.heads()),
                (off, cnt) -> FusedAttention.attention(c.q(), c.k(), c.v(), c.mask(), out, c.seqStart(), c.heads(),
                        c.d(), c.ld(), c.kCol(), c.vCol(), c.maskFlags(), c.maxLen(), off, cnt), out);

        AttentionReference ref = AttentionReference.of(c);
        Tolerance.FP32.assertClose(subject.with("vs float64"), out, ref.out(), ref.outScale());

        float[] unfused = UnfusedAttention.run(c, rnd, subject.with("unfused")).out();
        double[] unfusedAsDouble = new double[unfused.length];
        for (int i = 0; i < unfused.length; i++) {
            unfusedAsDouble[i] = unfused[i];
        }
        Tolerance.relative(2e-5).assertClose(subject.with("vs unfused"), out, unfusedAsDouble, ref.outScale());
    }
}

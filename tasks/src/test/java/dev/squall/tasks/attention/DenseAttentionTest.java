package dev.squall.tasks.attention;

import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Unfused attention ({@link DenseAttention#scores}, the row softmax, {@link DenseAttention#weightedSum})
 * against a float64 attention, for every mask combination, separate and packed Q/K/V, and all
 * {@link AttentionCase#awkwardShapes()}.
 *
 * <p>Bounds: scores {@code 1e-5 · (Σ_c |q_c||k_c|/√d + |mask| + |key mask|)}, masked scores exactly −∞
 * (a d-term dot product errs by at most {@code d·2⁻²⁴} of {@code Σ|q||k|}, 3.8e-6 for d = 64; each mask
 * added rounds once, relative to the magnitudes summed); probabilities
 * {@code 1e-5 · p}; outputs {@code 1e-5 · Σ_j p_j|v_jc|}, the error scale of the weighted sum; a query that
 * sees no key must output zeros.
 */
class DenseAttentionTest {
    static Stream<Arguments> masksAndLayouts() {
        return Stream.of(0, AttentionMask.CAUSAL, AttentionMask.ADDITIVE, AttentionMask.CAUSAL | AttentionMask.ADDITIVE,
                        AttentionMask.KEY_PADDING,
                        AttentionMask.CAUSAL | AttentionMask.ADDITIVE | AttentionMask.KEY_PADDING)
                .flatMap(flags -> Stream.of(Arguments.of(flags, false), Arguments.of(flags, true)));
    }

    @ParameterizedTest(name = "maskFlags={0} packed={1}")
    @MethodSource("masksAndLayouts")
    void matchesFloat64Attention(int maskFlags, boolean packed) {
        for (AttentionCase.Shape s : AttentionCase.awkwardShapes()) {
            RandomArrays rnd = RandomArrays.fresh();
            check(AttentionCase.random(rnd, s, maskFlags, packed), rnd);
        }
    }

    /** Queries whose additive-mask row is all −∞, alone and with the causal mask: their output is zero. */
    @Test
    void queryThatSeesNoKeyGetsZeros() {
        for (int flags : new int[] {AttentionMask.ADDITIVE, AttentionMask.ADDITIVE | AttentionMask.CAUSAL}) {
            RandomArrays rnd = RandomArrays.fresh();
            AttentionCase c = AttentionCase.random(rnd, new AttentionCase.Shape(new int[] {17, 9}, 3, 7), flags, true)
                    .hidingAllKeysFrom(0).hidingAllKeysFrom(5).hidingAllKeysFrom(16);
            check(c, rnd);
        }
    }

    private static void check(AttentionCase c, RandomArrays rnd) {
        Subject subject = Subject.of("unfused attention", c.describe(), rnd.seed());
        UnfusedAttention got = UnfusedAttention.run(c, rnd, subject);
        AttentionReference ref = AttentionReference.of(c);
        Tolerance.FP32.assertClose(subject.with("scores").rowsOf(c.maxLen()), got.scores(), ref.scores(), ref.scoreScale());
        Tolerance.FP32.assertClose(subject.with("probabilities").rowsOf(c.maxLen()), got.probs(), ref.probs(),
                Tolerance.absOf(ref.probs()));
        Tolerance.FP32.assertClose(subject.with("output").rowsOf(c.heads() * c.d()), got.out(), ref.out(),
                ref.outScale());
    }
}

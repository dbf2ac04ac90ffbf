package dev.squall.tasks.attention;

import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link LinearAttention} against its float64 definition ({@link LinearAttentionReference}), within
 * {@code 1e-5} of the reference's error scale.
 */
class LinearAttentionTest {

    @ParameterizedTest(name = "causal={0}")
    @ValueSource(booleans = {false, true})
    void matchesFloat64Definition(boolean causal) {
        for (AttentionCase.Shape s : AttentionCase.awkwardShapes()) {
            RandomArrays rnd = RandomArrays.fresh();
            check(AttentionCase.random(rnd, s, PatternCheck.flags(causal), rnd.chance(0.5)), rnd, causal);
        }
    }

    /** Queries or keys without a positive feature give a zero denominator: zeros, never NaN. */
    @Test
    void zeroDenominatorGivesZeros() {
        for (boolean causal : new boolean[] {false, true}) {
            RandomArrays rnd = RandomArrays.fresh();
            AttentionCase c = AttentionCase.random(rnd, new AttentionCase.Shape(new int[] {9, 1, 20}, 2, 5),
                    PatternCheck.flags(causal), false);
            for (int x = 0; x < 10; x++) {
                c.q()[x] = -Math.abs(c.q()[x]); // token 0, both heads: no positive feature
                c.k()[9 * 10 + x] = -Math.abs(c.k()[9 * 10 + x]); // the single-token sequence: no positive key feature
            }
            check(c, rnd, causal);
        }
    }

    private static void check(AttentionCase c, RandomArrays rnd, boolean causal) {
        Subject subject = PatternCheck.subject("LinearAttention", causal ? "causal scan" : "summarise+attention", c, rnd)
                .rowsOf(c.heads() * c.d());
        int d = c.d();
        float[] state = new float[LinearAttention.stateSize(c.batch(), c.heads(), d)];
        float[] out = new float[c.outputSize()];
        if (causal) {
            RowSlices.run(subject, rnd, c.batch() * c.heads(), (off, cnt) -> LinearAttention.causalScan(c.q(), c.k(),
                    c.v(), state, out, c.seqStart(), c.heads(), d, c.ld(), c.kCol(), c.vCol(), off, cnt), out);
        } else {
            RowSlices.run(subject.with("summarise"), rnd, c.batch() * c.heads(), (off, cnt) -> LinearAttention.summarise(
                    c.k(), c.v(), c.seqStart(), state, c.heads(), d, c.ld(), c.kCol(), c.vCol(), off, cnt), state);
            RowSlices.run(subject, rnd, c.queryRows(), (off, cnt) -> LinearAttention.attention(c.q(), state, out,
                    c.seqStart(), c.heads(), d, c.ld(), off, cnt), out);
        }
        LinearAttentionReference ref = LinearAttentionReference.of(c, causal);
        Tolerance.FP32.assertClose(subject.with("vs float64 definition"), out, ref.out(), ref.scale());
    }
}

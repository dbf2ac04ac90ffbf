package dev.squall.tasks.attention;

import dev.squall.tasks.testing.FiniteDifferences;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import org.junit.jupiter.api.Test;

/**
 * The causal linear attention backward ({@link LinearAttentionBackward}) after {@link LinearAttention#causalScan}, on
 * packed QKV for all {@link AttentionCase#awkwardShapes()} (T = 1, primes, lengths around 16 and 64, packed sequences
 * with an empty one, 1 and 3 heads, d = 1, 7, 64) and on queries and keys without a positive feature (zero
 * denominators), each kernel with random row splits, against the float64 pairwise gradients of
 * {@link LinearGradReference} within {@code 1e-5} of its error scales; that reference is checked against central
 * differences of its float64 forward. Each kernel writes only its own columns of {@code dqkv}.
 */
class LinearAttentionBackwardTest {

    @Test
    void matchesFloat64() {
        for (AttentionCase.Shape s : AttentionCase.awkwardShapes()) {
            RandomArrays rnd = RandomArrays.fresh();
            check(AttentionCase.random(rnd, s, AttentionMask.CAUSAL, true), rnd);
        }
    }

    /** Queries or keys without a positive feature: zero denominators give zero gradients, never NaN. */
    @Test
    void zeroDenominatorsGiveZeros() {
        RandomArrays rnd = RandomArrays.fresh();
        AttentionCase c = AttentionCase.random(rnd, new AttentionCase.Shape(new int[] {9, 1, 20}, 2, 5),
                AttentionMask.CAUSAL, true);
        for (int x = 0; x < 10; x++) {
            c.q()[x] = -Math.abs(c.q()[x]); // token 0's queries, both heads
            c.q()[9 * c.ld() + c.kCol() + x] = -Math.abs(c.q()[9 * c.ld() + c.kCol() + x]); // the 1-token sequence's keys
        }
        check(c, rnd);
    }

    @Test
    void float64ReferenceMatchesFiniteDifferences() {
        RandomArrays rnd = RandomArrays.fresh();
        AttentionCase c = AttentionCase.random(rnd, new AttentionCase.Shape(new int[] {5, 1, 7}, 2, 3),
                AttentionMask.CAUSAL, true);
        double[] qkv = AttentionGradReference.toDouble(c.q());
        double[] g = AttentionGradReference.toDouble(rnd.gaussian(c.outputSize()));
        LinearGradReference ref = LinearGradReference.of(qkv, c, g);
        double[] fd = FiniteDifferences.gradient(x -> {
            double[] out = LinearGradReference.of(x, c, g).out();
            double sum = 0;
            for (int e = 0; e < out.length; e++) {
                sum += g[e] * out[e];
            }
            return sum;
        }, qkv, 1e-5);
        double[] analytic = new double[qkv.length];
        int width = c.heads() * c.d();
        for (int t = 0; t < c.tokens(); t++) {
            for (int x = 0; x < width; x++) {
                analytic[t * c.ld() + x] = ref.dq()[t * width + x];
                analytic[t * c.ld() + c.kCol() + x] = ref.dk()[t * width + x];
                analytic[t * c.ld() + c.vCol() + x] = ref.dv()[t * width + x];
            }
        }
        FiniteDifferences.assertMatches(Subject.of("linear attention float64 gradient", c.describe(), rnd.seed()),
                analytic, fd, 1e-6);
    }

    private static void check(AttentionCase c, RandomArrays rnd) {
        int heads = c.heads();
        int d = c.d();
        int[] seqStart = c.seqStart();
        float[] qkv = c.q();
        int ld = c.ld();
        int rows = c.batch() * heads;
        Subject subject = Subject.of("linear attention backward", c.describe(), rnd.seed()).rowsOf(heads * d);
        float[] state = new float[LinearAttention.stateSize(c.batch(), heads, d)];
        float[] out = new float[c.outputSize()];
        RowSlices.run(subject.with("causalScan"), rnd, rows, (off, cnt) -> LinearAttention.causalScan(qkv, qkv, qkv, state,
                out, seqStart, heads, d, ld, c.kCol(), c.vCol(), off, cnt), state, out);
        float[] dOut = rnd.gaussian(c.outputSize());
        float[] coef = new float[LinearAttentionBackward.coefficientSize(c.tokens(), heads)];
        float[] dq = new float[c.tokens() * ld];
        float[] dkv = new float[c.tokens() * ld];
        RowSlices.run(subject.with("causalQueryGradient"), rnd, rows, (off, cnt) -> LinearAttentionBackward
                .causalQueryGradient(qkv, out, dOut, state, coef, dq, seqStart, heads, d, ld, c.kCol(), c.vCol(), off,
                        cnt), state, coef, dq);
        RowSlices.run(subject.with("causalKeyValueGradient"), rnd, rows, (off, cnt) -> LinearAttentionBackward
                .causalKeyValueGradient(qkv, dOut, coef, state, dkv, seqStart, heads, d, ld, c.kCol(), c.vCol(), off,
                        cnt), state, dkv);
        float[] gotQ = UnfusedAttentionBackward.columns(subject.with("dq"), dq, c, 0);
        float[] gotK = UnfusedAttentionBackward.columns(subject.with("dk"), FusedBackwardCheck.without(dkv, c, c.vCol()),
                c, c.kCol());
        float[] gotV = UnfusedAttentionBackward.columns(subject.with("dv"), FusedBackwardCheck.without(dkv, c, c.kCol()),
                c, c.vCol());
        LinearGradReference ref = LinearGradReference.of(c, dOut);
        Tolerance.FP32.assertClose(subject.with("dq vs float64"), gotQ, ref.dq(), ref.dqScale());
        Tolerance.FP32.assertClose(subject.with("dk vs float64"), gotK, ref.dk(), ref.dkScale());
        Tolerance.FP32.assertClose(subject.with("dv vs float64"), gotV, ref.dv(), ref.dvScale());
    }
}

package dev.squall.tasks.attention;

import dev.squall.tasks.testing.FiniteDifferences;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The unfused attention backward ({@link DenseAttentionBackward} and {@code Softmax.softmaxBackward}, run by
 * {@link UnfusedAttentionBackward}) against the float64 gradients of {@link AttentionGradReference}, for every mask
 * combination, separate and packed Q/K/V, and all {@link AttentionCase#awkwardShapes()}; and that reference against
 * central differences of a float64 forward, on packed QKV, causal and not.
 *
 * <p>Bound: {@code 1e-5} of the scales {@link AttentionGradReference#of} states (sums of products with the error
 * scale of each probability, of {@code dP} and of {@code dS} in place of the factors).
 */
class DenseAttentionBackwardTest {

    @ParameterizedTest(name = "maskFlags={0} packed={1}")
    @MethodSource("dev.squall.tasks.attention.DenseAttentionTest#masksAndLayouts")
    void matchesFloat64Gradients(int maskFlags, boolean packed) {
        for (AttentionCase.Shape s : AttentionCase.awkwardShapes()) {
            RandomArrays rnd = RandomArrays.fresh();
            AttentionCase c = AttentionCase.random(rnd, s, maskFlags, packed);
            float[] dOut = rnd.gaussian(c.outputSize());
            Subject subject = Subject.of("unfused attention backward", c.describe(), rnd.seed()).rowsOf(c.heads() * c.d());
            UnfusedAttentionBackward got = UnfusedAttentionBackward.run(c, dOut, rnd, subject);
            AttentionGradReference ref = AttentionGradReference.of(c, dOut);
            Tolerance.FP32.assertClose(subject.with("dq"), got.dq(), ref.dq(), ref.dqScale());
            Tolerance.FP32.assertClose(subject.with("dk"), got.dk(), ref.dk(), ref.dkScale());
            Tolerance.FP32.assertClose(subject.with("dv"), got.dv(), ref.dv(), ref.dvScale());
        }
    }

    @ParameterizedTest(name = "causal={0}")
    @ValueSource(booleans = {false, true})
    void referenceMatchesFiniteDifferences(boolean causal) {
        RandomArrays rnd = RandomArrays.fresh();
        AttentionCase c = AttentionCase.random(rnd, new AttentionCase.Shape(new int[] {3, 5}, 2, 3),
                causal ? AttentionMask.CAUSAL : 0, true);
        int width = c.heads() * c.d();
        float[] dOut = rnd.gaussian(c.outputSize());
        AttentionGradReference g = AttentionGradReference.of(c, dOut);
        double[] analytic = new double[c.q().length];
        for (int t = 0; t < c.tokens(); t++) {
            for (int x = 0; x < width; x++) {
                analytic[t * c.ld() + x] = g.dq()[t * width + x];
                analytic[t * c.ld() + c.kCol() + x] = g.dk()[t * width + x];
                analytic[t * c.ld() + c.vCol() + x] = g.dv()[t * width + x];
            }
        }
        double[] differences = FiniteDifferences.gradient(v -> {
            double[] out = AttentionGradReference.output(v, v, v, c.seqStart(), c.heads(), c.d(), c.ld(), c.kCol(),
                    c.vCol(), causal);
            double loss = 0;
            for (int i = 0; i < out.length; i++) {
                loss += dOut[i] * out[i];
            }
            return loss;
        }, AttentionGradReference.toDouble(c.q()), 1e-5);
        FiniteDifferences.assertMatches(Subject.of("float64 attention gradient", c.describe(), rnd.seed())
                .rowsOf(c.ld()), analytic, differences, 1e-7);
    }
}

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
        int[] seqStart = {0, 3, 8};
        int heads = 2;
        int d = 3;
        int width = heads * d;
        int ld = 3 * width;
        int maxLen = 5;
        double[] qkv = AttentionGradReference.toDouble(rnd.gaussian(8 * ld));
        float[] dOut = rnd.gaussian(8 * width);
        double[] p = new double[8 * heads * maxLen];
        AttentionGradReference.output(qkv, qkv, qkv, seqStart, heads, d, ld, width, 2 * width, maxLen, causal, p);
        double[][] g = AttentionGradReference.gradients(qkv, qkv, qkv, p, seqStart, heads, d, ld, width, 2 * width, maxLen,
                dOut);
        double[] analytic = new double[qkv.length];
        for (int t = 0; t < 8; t++) {
            for (int x = 0; x < width; x++) {
                analytic[t * ld + x] = g[0][t * width + x];
                analytic[t * ld + width + x] = g[1][t * width + x];
                analytic[t * ld + 2 * width + x] = g[2][t * width + x];
            }
        }
        double[] differences = FiniteDifferences.gradient(v -> {
            double[] out = AttentionGradReference.output(v, v, v, seqStart, heads, d, ld, width, 2 * width, maxLen, causal,
                    null);
            double loss = 0;
            for (int i = 0; i < out.length; i++) {
                loss += dOut[i] * out[i];
            }
            return loss;
        }, qkv, 1e-5);
        FiniteDifferences.assertMatches(Subject.of("float64 attention gradient", "sequences 3 5, heads 2, d 3, causal="
                + causal, rnd.seed()).rowsOf(ld), analytic, differences, 1e-7);
    }
}

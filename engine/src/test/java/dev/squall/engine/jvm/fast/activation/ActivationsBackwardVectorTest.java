package dev.squall.engine.jvm.fast.activation;

import dev.squall.engine.jvm.fast.gemm.GemmVectorTest;
import dev.squall.tasks.activation.ActivationReference;
import dev.squall.tasks.activation.Activations;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * {@link ActivationsVector#activationBackward} for every activation against the float64 derivative
 * ({@link ActivationReference#derivativeTerms}) and against the plain kernel, on the plain kernel's test inputs:
 * moderate values, the tails where the exponentials underflow, zeros, tiny and huge values (x³ overflowing), rows
 * shorter and longer than a vector, with random row splits (bit-identical results, poisoned outputs). Bounds as the
 * plain kernel's test: {@code 1e-5 · |dOut|·(|t₁| + |t₂|)·(1 + x²/10)} against float64, twice that against the
 * plain kernel.
 */
class ActivationsBackwardVectorTest {
    private static final int[] KINDS = {Activations.IDENTITY, Activations.RELU, Activations.GELU_ERF,
            Activations.GELU_TANH, Activations.SILU};
    private static final float[] SPECIALS = {0f, -0f, Float.MIN_VALUE, -Float.MIN_NORMAL, 1f, -1f, -13f, -89.5f,
            -103f, 1e20f, -1e20f, Float.MAX_VALUE, -Float.MAX_VALUE};

    static Stream<Arguments> kindsAndShapes() {
        int[][] shapes = {{1, 1}, {1, 7}, {13, 31}, {97, 13}, {7, 1000}};
        return IntStream.range(0, KINDS.length).boxed()
                .flatMap(k -> Stream.of(shapes).map(s -> Arguments.of(KINDS[k], s[0], s[1])));
    }

    @ParameterizedTest(name = "kind {0}: {1}x{2}")
    @MethodSource("kindsAndShapes")
    void gradientTimesDerivative(int kind, int rows, int cols) {
        RandomArrays rnd = RandomArrays.fresh();
        int n = rows * cols;
        float[] x = new float[n];
        float[] moderate = rnd.uniform(n, -12, 12);
        float[] tail = rnd.uniform(n, -105, -85);
        for (int i = 0; i < n; i++) {
            // The specials at the end of the array land in the vector lanes as well as the scalar tail.
            int s = n - 1 - i;
            x[i] = s < SPECIALS.length ? SPECIALS[s] : i < SPECIALS.length ? SPECIALS[i]
                    : rnd.chance(0.9) ? moderate[i] : tail[i];
        }
        float[] dOut = rnd.gaussian(n);
        float[] dx = new float[n];
        Subject subject = Subject.of("ActivationsVector.activationBackward kind " + kind, "rows=" + rows + " cols="
                + cols, rnd.seed()).rowsOf(cols);

        RowSlices.run(subject, rnd, rows, (off, cnt) -> ActivationsVector.activationBackward(x, dOut, dx, cols, kind, off,
                cnt), dx);

        double[] ref = new double[n];
        double[] scale = new double[n];
        for (int i = 0; i < n; i++) {
            double[] terms = ActivationReference.derivativeTerms(kind, x[i]);
            ref[i] = dOut[i] * (terms[0] + terms[1]);
            double xi = x[i];
            double conditioning = Double.isFinite(xi * xi) ? 1 + xi * xi / 10 : Double.MAX_VALUE;
            scale[i] = Math.min(Double.MAX_VALUE, Math.abs(dOut[i]) * (Math.abs(terms[0]) + Math.abs(terms[1]))
                    * conditioning);
        }
        Tolerance.FP32.assertClose(subject.with("vs float64"), dx, ref, scale);
        float[] plain = new float[n];
        Activations.activationBackward(x, dOut, plain, cols, kind, 0, rows);
        Tolerance.relative(2e-5).assertClose(subject.with("vs plain"), dx, GemmVectorTest.toDouble(plain), scale);
    }
}

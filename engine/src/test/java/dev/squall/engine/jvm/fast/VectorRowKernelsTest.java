package dev.squall.engine.jvm.fast;

import dev.squall.engine.jvm.fast.activation.ActivationsVector;
import dev.squall.engine.jvm.fast.gemm.GemmVectorTest;
import dev.squall.engine.jvm.fast.norm.NormsVector;
import dev.squall.engine.jvm.fast.softmax.SoftmaxVector;
import dev.squall.tasks.activation.ActivationReference;
import dev.squall.tasks.activation.Activations;
import dev.squall.tasks.norm.NormReference;
import dev.squall.tasks.norm.Norms;
import dev.squall.tasks.softmax.Softmax;
import dev.squall.tasks.softmax.SoftmaxReference;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The row-kernel fast paths ({@link SoftmaxVector}, {@link NormsVector}, {@link ActivationsVector}) against
 * float64 and against the plain kernels, on rows shorter than, equal to and longer than a vector, with
 * outputs poisoned and rows split at random (bit-identical for any split).
 *
 * <p>Bounds: softmax {@code 1e-5 · p} (rows at ±1e4, with −∞ entries and fully masked rows); LayerNorm
 * {@code 1e-5 · (|gamma|·(|ŷ| + 1) + |beta|)} (rows with a mean of 1e4 included), RMSNorm {@code 1e-5 · |ref|};
 * activations {@code 2e-6 · (|f(x)| + |x·f'(x)|)} against float64 over [-110, 40] (the plain kernels' 1e-6
 * plus about 2 ulp of the vector exponential) and {@code 3e-6} of the same scale against the plain kernel.
 * Each against the plain kernel with the sum of both bounds.
 */
class VectorRowKernelsTest {
    private static final float EPS = 1e-5f;

    static Stream<Arguments> shapes() {
        return Stream.of(Arguments.of(1, 1), Arguments.of(3, 7), Arguments.of(5, 8), Arguments.of(13, 31),
                Arguments.of(31, 97), Arguments.of(7, 1000));
    }

    @ParameterizedTest(name = "{0}x{1}")
    @MethodSource("shapes")
    void softmax(int rows, int cols) {
        RandomArrays rnd = RandomArrays.fresh();
        float[] x = rnd.gaussian(rows * cols, 0, 3);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                x[r * cols + c] += r % 3 == 1 ? 1e4f : 0f;
                if (r % 3 == 2 || rnd.chance(0.2)) {
                    x[r * cols + c] = Float.NEGATIVE_INFINITY;
                }
            }
        }
        float[] out = new float[x.length];
        Subject subject = Subject.of("SoftmaxVector.softmax", "rows=" + rows + " cols=" + cols, rnd.seed()).rowsOf(cols);
        RowSlices.run(subject, rnd, rows, (off, cnt) -> SoftmaxVector.softmax(x, out, cols, off, cnt), out);
        float[] plain = new float[x.length];
        Softmax.softmax(x, plain, cols, 0, rows);

        double[] ref = SoftmaxReference.softmax(x, rows, cols);
        Tolerance.FP32.assertClose(subject.with("vs float64"), out, ref, Tolerance.absOf(ref));
        Tolerance.relative(2e-5).assertClose(subject.with("vs plain"), out, GemmVectorTest.toDouble(plain),
                Tolerance.absOf(ref));
    }

    @ParameterizedTest(name = "{0}x{1}")
    @MethodSource("shapes")
    void layerNormAndAddLayerNorm(int rows, int cols) {
        RandomArrays rnd = RandomArrays.fresh();
        float[] x = rnd.gaussian(rows * cols, 0, 0.1);
        float[] residual = rnd.gaussian(rows * cols);
        for (int i = 0; i < x.length; i += 2 * cols) {
            for (int c = 0; c < cols; c++) {
                x[i + c] += 1e4f; // every other row has a large mean
            }
        }
        float[] gamma = rnd.gaussian(cols, 1, 0.5);
        float[] beta = rnd.gaussian(cols, 0, 0.5);
        Subject subject = Subject.of("NormsVector", "rows=" + rows + " cols=" + cols, rnd.seed()).rowsOf(cols);

        float[] out = new float[x.length];
        RowSlices.run(subject.with("layerNorm"), rnd, rows,
                (off, cnt) -> NormsVector.layerNorm(x, gamma, beta, out, cols, EPS, off, cnt), out);
        float[] plain = new float[x.length];
        Norms.layerNorm(x, gamma, beta, plain, cols, EPS, 0, rows);
        checkLayerNorm(subject.with("layerNorm"), NormReference.toDouble(x), gamma, beta, rows, cols, out, plain);

        float[] sum = new float[x.length];
        RowSlices.run(subject.with("addLayerNorm"), rnd, rows,
                (off, cnt) -> NormsVector.addLayerNorm(residual, x, gamma, beta, sum, out, cols, EPS, off, cnt), sum, out);
        float[] plainSum = new float[x.length];
        Norms.addLayerNorm(residual, x, gamma, beta, plainSum, plain, cols, EPS, 0, rows);
        org.junit.jupiter.api.Assertions.assertArrayEquals(plainSum, sum, "the sum is one exact fp32 add");
        checkLayerNorm(subject.with("addLayerNorm"), NormReference.toDouble(sum), gamma, beta, rows, cols, out, plain);
    }

    @ParameterizedTest(name = "{0}x{1}")
    @MethodSource("shapes")
    void rmsNorm(int rows, int cols) {
        RandomArrays rnd = RandomArrays.fresh();
        float[] x = rnd.gaussian(rows * cols, 3e4, 1e4);
        float[] gamma = rnd.gaussian(cols, 1, 0.5);
        float[] out = new float[x.length];
        Subject subject = Subject.of("NormsVector.rmsNorm", "rows=" + rows + " cols=" + cols, rnd.seed()).rowsOf(cols);
        RowSlices.run(subject, rnd, rows, (off, cnt) -> NormsVector.rmsNorm(x, gamma, out, cols, 1e-6f, off, cnt), out);
        float[] plain = new float[x.length];
        Norms.rmsNorm(x, gamma, plain, cols, 1e-6f, 0, rows);

        double[] ref = NormReference.rmsNorm(x, gamma, rows, cols, 1e-6f);
        Tolerance.FP32.assertClose(subject.with("vs float64"), out, ref, Tolerance.absOf(ref));
        Tolerance.relative(2e-5).assertClose(subject.with("vs plain"), out, GemmVectorTest.toDouble(plain),
                Tolerance.absOf(ref));
    }

    static Stream<Arguments> kinds() {
        return Stream.of(Activations.IDENTITY, Activations.RELU, Activations.GELU_ERF, Activations.GELU_TANH,
                Activations.SILU).map(Arguments::of);
    }

    /** A dense sweep of [-110, 40] (the tails where exponentials under- and overflow) in rows of 2003. */
    @ParameterizedTest(name = "kind {0}")
    @MethodSource("kinds")
    void activation(int kind) {
        int rows = 37;
        int cols = 2003;
        float[] x = new float[rows * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (-110 + 150.0 * i / x.length);
        }
        x[0] = 0f;
        x[1] = -0f;
        x[2] = Float.MIN_VALUE;
        x[3] = Float.POSITIVE_INFINITY;
        RandomArrays rnd = RandomArrays.fresh();
        float[] out = new float[x.length];
        Subject subject = Subject.of("ActivationsVector.activation kind " + kind, "sweep [-110, 40]", rnd.seed())
                .rowsOf(cols);
        RowSlices.run(subject, rnd, rows, (off, cnt) -> ActivationsVector.activation(x, out, cols, kind, off, cnt), out);
        float[] plain = new float[x.length];
        Activations.activation(x, plain, cols, kind, 0, rows);

        double[] ref = new double[x.length];
        double[] scale = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            ref[i] = ActivationReference.apply(kind, x[i]);
            scale[i] = conditionedScale(kind, x[i]);
        }
        Tolerance.relative(2e-6).assertClose(subject.with("vs float64"), out, ref, scale);
        Tolerance.relative(3e-6).assertClose(subject.with("vs plain"), out, GemmVectorTest.toDouble(plain), scale);
    }

    /** NaN in, NaN out, in the vector lanes and in the tail (NaN payloads may differ, so no bit comparison). */
    @ParameterizedTest(name = "kind {0}")
    @MethodSource("kinds")
    void nanStaysNan(int kind) {
        float[] x = new float[19];
        x[3] = Float.NaN;
        x[17] = Float.NaN;
        float[] out = new float[x.length];
        ActivationsVector.activation(x, out, x.length, kind, 0, 1);
        org.junit.jupiter.api.Assertions.assertTrue(Float.isNaN(out[3]) && Float.isNaN(out[17]), "NaN in, NaN out");
    }

    /** {@code |f(x)| + |x·f'(x)|}, the derivative by a float64 central difference (as the plain kernels' test). */
    private static double conditionedScale(int kind, double x) {
        if (Double.isInfinite(x) || x == 0) {
            return 0;
        }
        double h = 1e-7 * Math.abs(x);
        double slope = (ActivationReference.apply(kind, x + h) - ActivationReference.apply(kind, x - h)) / (2 * h);
        return Math.abs(ActivationReference.apply(kind, x)) + Math.abs(x * slope);
    }

    private static void checkLayerNorm(Subject subject, double[] x, float[] gamma, float[] beta, int rows, int cols,
                                       float[] out, float[] plain) {
        double[] y = NormReference.standardize(x, rows, cols, EPS);
        double[] scale = new double[rows * cols];
        for (int i = 0; i < scale.length; i++) {
            int c = i % cols;
            scale[i] = Math.abs(gamma[c]) * (Math.abs(y[i]) + 1) + Math.abs(beta[c]);
        }
        Tolerance.FP32.assertClose(subject.with("vs float64"), out, NormReference.affine(y, gamma, beta, rows, cols),
                scale);
        Tolerance.relative(2e-5).assertClose(subject.with("vs plain"), out, GemmVectorTest.toDouble(plain), scale);
    }
}

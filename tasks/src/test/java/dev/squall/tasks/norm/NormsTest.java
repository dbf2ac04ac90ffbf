package dev.squall.tasks.norm;

import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * LayerNorm, RMSNorm and the fused residual-add LayerNorm against float64.
 *
 * <p>LayerNorm bound: {@code 1e-5 · (|gamma_c|·(|ŷ_c| + 1) + |beta_c|)} where {@code ŷ} is the standardised
 * value: each ŷ is rounded relative to its own size, and errors in the row's mean and variance shift or scale
 * the whole row by a fraction of its standard deviation, i.e. of 1 in standardised units. Rows with a large
 * mean (1e4 + noise of standard deviation 0.1) and constant rows are included: there the mean must be found to
 * a small fraction of the spread, not merely of the mean.
 *
 * <p>RMSNorm bound: {@code 1e-5 · |ref|} (a sum of squares, a square root and two products per element).
 */
class NormsTest {
    private static final float EPS = 1e-5f;

    static Stream<Arguments> shapes() {
        return Stream.of(Arguments.of(1, 1), Arguments.of(3, 1), Arguments.of(1, 7), Arguments.of(13, 31),
                Arguments.of(31, 97), Arguments.of(7, 1000));
    }

    @ParameterizedTest(name = "{0}x{1}")
    @MethodSource("shapes")
    void layerNormOfGaussianRows(int rows, int cols) {
        RandomArrays rnd = RandomArrays.fresh();
        checkLayerNorm("gaussian(0, 1)", rnd, rows, cols, rnd.gaussian(rows * cols), EPS);
    }

    @ParameterizedTest(name = "{0}x{1}")
    @MethodSource("shapes")
    void layerNormOfRowsWithALargeMean(int rows, int cols) {
        RandomArrays rnd = RandomArrays.fresh();
        float[] x = rnd.gaussian(rows * cols, 0, 0.1);
        for (int r = 0; r < rows; r++) {
            float mean = r % 2 == 0 ? 1e4f : -3e4f;
            for (int c = 0; c < cols; c++) {
                x[r * cols + c] += mean;
            }
        }
        checkLayerNorm("1e4 or -3e4 + gaussian(0, 0.1)", rnd, rows, cols, x, EPS);
    }

    /** Constant rows (zero variance) must give exactly beta, even with a tiny eps that magnifies any error. */
    @ParameterizedTest(name = "{0}x{1}")
    @MethodSource("shapes")
    void layerNormOfConstantRows(int rows, int cols) {
        RandomArrays rnd = RandomArrays.fresh();
        float[] x = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            float value = (float) rnd.nextDouble(-1e4, 1e4);
            for (int c = 0; c < cols; c++) {
                x[r * cols + c] = value;
            }
        }
        checkLayerNorm("constant rows", rnd, rows, cols, x, 1e-12f);
    }

    @ParameterizedTest(name = "{0}x{1}")
    @MethodSource("shapes")
    void addLayerNormWritesTheSumAndItsLayerNorm(int rows, int cols) {
        RandomArrays rnd = RandomArrays.fresh();
        float[] x = rnd.gaussian(rows * cols);
        float[] residual = rnd.gaussian(rows * cols, 0, 3);
        for (int i = cols; i < residual.length; i += 2 * cols) {
            residual[i] += 1e4f; // one large value in some rows: the mean moves far from most elements
        }
        float[] gamma = rnd.gaussian(cols, 1, 0.5);
        float[] beta = rnd.gaussian(cols, 0, 0.5);
        float[] sum = new float[rows * cols];
        float[] out = new float[rows * cols];
        Subject subject = Subject.of("Norms.addLayerNorm", "rows=" + rows + " cols=" + cols, rnd.seed())
                .rowsOf(cols);

        RowSlices.run(subject, rnd, rows,
                (off, cnt) -> Norms.addLayerNorm(x, residual, gamma, beta, sum, out, cols, EPS, off, cnt), sum, out);

        double[] exactSum = new double[sum.length];
        for (int i = 0; i < exactSum.length; i++) {
            exactSum[i] = (double) x[i] + residual[i];
        }
        Tolerance.relative(0x1p-24).assertClose(subject.with("sum"), sum, exactSum, Tolerance.absOf(exactSum));
        double[] y = NormReference.standardize(exactSum, rows, cols, EPS);
        Tolerance.FP32.assertClose(subject.with("out"), out, NormReference.affine(y, gamma, beta, rows, cols),
                layerNormScale(y, gamma, beta, rows, cols));
    }

    @ParameterizedTest(name = "{0}x{1}")
    @MethodSource("shapes")
    void rmsNormMatchesFloat64(int rows, int cols) {
        RandomArrays rnd = RandomArrays.fresh();
        float[] x = rnd.gaussian(rows * cols);
        for (int r = 1; r < rows; r += 2) {
            for (int c = 0; c < cols; c++) {
                x[r * cols + c] = x[r * cols + c] * 1e4f + 3e4f; // large magnitudes, squares near 1e9
            }
        }
        float[] gamma = rnd.gaussian(cols, 1, 0.5);
        float[] out = new float[rows * cols];
        float eps = 1e-6f;
        Subject subject = Subject.of("Norms.rmsNorm", "rows=" + rows + " cols=" + cols, rnd.seed()).rowsOf(cols);

        RowSlices.run(subject, rnd, rows, (off, cnt) -> Norms.rmsNorm(x, gamma, out, cols, eps, off, cnt), out);

        double[] ref = NormReference.rmsNorm(x, gamma, rows, cols, eps);
        Tolerance.FP32.assertClose(subject, out, ref, Tolerance.absOf(ref));
    }

    private static void checkLayerNorm(String inputs, RandomArrays rnd, int rows, int cols, float[] x, float eps) {
        float[] gamma = rnd.gaussian(cols, 1, 0.5);
        float[] beta = rnd.gaussian(cols, 0, 0.5);
        float[] out = new float[rows * cols];
        Subject subject = Subject.of("Norms.layerNorm", "rows=" + rows + " cols=" + cols + " eps=" + eps + " "
                + inputs, rnd.seed()).rowsOf(cols);

        RowSlices.run(subject, rnd, rows, (off, cnt) -> Norms.layerNorm(x, gamma, beta, out, cols, eps, off, cnt), out);

        double[] y = NormReference.standardize(NormReference.toDouble(x), rows, cols, eps);
        Tolerance.FP32.assertClose(subject, out, NormReference.affine(y, gamma, beta, rows, cols),
                layerNormScale(y, gamma, beta, rows, cols));
    }

    /** {@code |gamma_c|·(|ŷ_c| + 1) + |beta_c|}. */
    private static double[] layerNormScale(double[] y, float[] gamma, float[] beta, int rows, int cols) {
        double[] scale = new double[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                scale[r * cols + c] = Math.abs(gamma[c]) * (Math.abs(y[r * cols + c]) + 1) + Math.abs(beta[c]);
            }
        }
        return scale;
    }
}

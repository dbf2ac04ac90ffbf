package dev.squall.tasks.norm;

import dev.squall.tasks.elementwise.Elementwise;
import dev.squall.tasks.testing.FiniteDifferences;
import dev.squall.tasks.testing.Poison;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Norms#layerNormBackward} and {@link Norms#layerNormParamsBackward} against the float64 gradient of
 * LayerNorm ({@code dx = (g − mean g − x̂·mean(g·x̂))/σ}, {@code g = dOut·γ}), which {@link #referenceMatchesFiniteDifferences}
 * checks against central differences of the float64 forward. Inputs: gaussian rows, rows on a large mean (1e4 +
 * noise of 0.1, where x̂ must come from the corrected mean) and constant rows (x̂ = 0, σ = √eps).
 *
 * <p>Bounds: {@code 1e-5} of the scales of {@link LayerNormGradReference}. Gradients accumulate onto random
 * initial values.
 */
class LayerNormBackwardTest {
    private static final float EPS = 1e-5f;

    @ParameterizedTest(name = "{0}x{1}")
    @MethodSource("dev.squall.tasks.norm.NormsTest#shapes")
    void gaussianRows(int rows, int cols) {
        RandomArrays rnd = RandomArrays.fresh();
        check("gaussian(0, 1)", rnd, rows, cols, rnd.gaussian(rows * cols));
    }

    @ParameterizedTest(name = "{0}x{1}")
    @MethodSource("dev.squall.tasks.norm.NormsTest#shapes")
    void rowsWithALargeMean(int rows, int cols) {
        RandomArrays rnd = RandomArrays.fresh();
        float[] x = rnd.gaussian(rows * cols, 0, 0.1);
        for (int i = 0; i < x.length; i++) {
            x[i] += (i / cols) % 2 == 0 ? 1e4f : -3e4f;
        }
        check("1e4 or -3e4 + gaussian(0, 0.1)", rnd, rows, cols, x);
    }

    @ParameterizedTest(name = "{0}x{1}")
    @MethodSource("dev.squall.tasks.norm.NormsTest#shapes")
    void constantRows(int rows, int cols) {
        RandomArrays rnd = RandomArrays.fresh();
        float[] x = new float[rows * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i / cols) * 37.5f - 100f;
        }
        check("constant rows", rnd, rows, cols, x);
    }

    @Test
    void referenceMatchesFiniteDifferences() {
        RandomArrays rnd = RandomArrays.fresh();
        int rows = 3;
        int cols = 7;
        float[] x = rnd.gaussian(rows * cols, 0.5, 2);
        float[] gamma = rnd.gaussian(cols, 1, 0.5);
        float[] beta = rnd.gaussian(cols);
        float[] dOut = rnd.gaussian(rows * cols);
        LayerNormGradReference g = LayerNormGradReference.of(x, gamma, dOut, new float[rows * cols], new float[cols],
                new float[cols], rows, cols, EPS);
        double[] xd = NormReference.toDouble(x);
        double[] gd = NormReference.toDouble(gamma);
        double[] bd = NormReference.toDouble(beta);
        Subject subject = Subject.of("float64 LayerNorm gradient", "rows=3 cols=7", rnd.seed());
        FiniteDifferences.assertMatches(subject.with("dx"), g.dx(),
                FiniteDifferences.gradient(v -> loss(v, gd, bd, dOut, rows, cols), xd, 1e-5), 1e-7);
        FiniteDifferences.assertMatches(subject.with("dgamma"), g.dGamma(),
                FiniteDifferences.gradient(v -> loss(xd, v, bd, dOut, rows, cols), gd, 1e-5), 1e-7);
        FiniteDifferences.assertMatches(subject.with("dbeta"), g.dBeta(),
                FiniteDifferences.gradient(v -> loss(xd, gd, v, dOut, rows, cols), bd, 1e-5), 1e-7);
    }

    private static void check(String inputs, RandomArrays rnd, int rows, int cols, float[] x) {
        float[] gamma = rnd.gaussian(cols, 1, 0.5);
        float[] dOut = rnd.gaussian(rows * cols);
        float[] dxStart = rnd.gaussian(rows * cols);
        float[] dGammaStart = rnd.gaussian(cols);
        float[] dBetaStart = rnd.gaussian(cols);
        float[] dx = new float[rows * cols];
        float[] stats = new float[rows * Norms.STATS];
        float[] dGamma = new float[cols];
        float[] dBeta = new float[cols];
        Subject subject = Subject.of("Norms.layerNormBackward", "rows=" + rows + " cols=" + cols + " " + inputs,
                rnd.seed()).rowsOf(cols);

        RowSlices.runFrom(subject, rnd, rows,
                (off, cnt) -> Norms.layerNormBackward(x, gamma, dOut, dx, stats, cols, EPS, off, cnt),
                new float[][] {dxStart, Poison.array(stats.length)}, dx, stats);
        RowSlices.runFrom(subject.with("params"), rnd, Elementwise.columnPanels(cols),
                (off, cnt) -> Norms.layerNormParamsBackward(x, stats, dOut, dGamma, dBeta, rows, cols, off, cnt),
                new float[][] {dGammaStart, dBetaStart}, dGamma, dBeta);

        LayerNormGradReference ref = LayerNormGradReference.of(x, gamma, dOut, dxStart, dGammaStart, dBetaStart, rows,
                cols, EPS);
        Tolerance.FP32.assertClose(subject.with("dx"), dx, ref.dx(), ref.dxScale());
        Tolerance.FP32.assertClose(subject.with("dgamma"), dGamma, ref.dGamma(), ref.gammaScale());
        Tolerance.FP32.assertClose(subject.with("dbeta"), dBeta, ref.dBeta(), ref.betaScale());
        float[] gotInv = new float[rows];
        for (int r = 0; r < rows; r++) {
            gotInv[r] = stats[r * Norms.STATS + 2];
        }
        Tolerance.FP32.assertClose(subject.with("1/std in stats"), gotInv, ref.inv(), Tolerance.absOf(ref.inv()));
    }

    /** {@code Σ dOut·LayerNorm(x)} in float64. */
    private static double loss(double[] x, double[] gamma, double[] beta, float[] dOut, int rows, int cols) {
        double[] y = NormReference.standardize(x, rows, cols, EPS);
        double sum = 0;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                sum += dOut[r * cols + c] * (y[r * cols + c] * gamma[c] + beta[c]);
            }
        }
        return sum;
    }
}

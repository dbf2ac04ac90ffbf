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
 * <p>Bounds, {@code 1e-5} of: for {@code dx}, {@code (|g_c| + mean|g| + (|x̂_c| + 1)·mean(|g|·(|x̂| + 1)))/σ}
 * (each term's rounding, and an error of x̂ of the order of its rounding relative to the row's spread, the
 * forward's bound); for {@code dγ}, {@code |initial| + Σ_i |dOut|·(|x̂| + 1)}; for {@code dβ},
 * {@code |initial| + Σ_i |dOut|}. Gradients accumulate onto random initial values.
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
        Gradients g = reference(x, gamma, dOut, rows, cols, EPS);
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

        Gradients ref = reference(x, gamma, dOut, rows, cols, EPS);
        double[] refDx = new double[dx.length];
        double[] dxScale = new double[dx.length];
        double[] refGamma = new double[cols];
        double[] refBeta = new double[cols];
        double[] gammaScale = new double[cols];
        double[] betaScale = new double[cols];
        double[] inv = new double[rows];
        for (int r = 0; r < rows; r++) {
            inv[r] = ref.inv[r];
            double gAbs = 0;
            double gxAbs = 0;
            for (int c = 0; c < cols; c++) {
                double g = Math.abs((double) dOut[r * cols + c] * gamma[c]);
                gAbs += g / cols;
                gxAbs += g * (Math.abs(ref.xHat[r * cols + c]) + 1) / cols;
            }
            for (int c = 0; c < cols; c++) {
                int i = r * cols + c;
                refDx[i] = dxStart[i] + ref.dx[i];
                dxScale[i] = Math.abs(dxStart[i]) + ref.inv[r] * (Math.abs((double) dOut[i] * gamma[c]) + gAbs
                        + (Math.abs(ref.xHat[i]) + 1) * gxAbs);
                gammaScale[c] += Math.abs(dOut[i]) * (Math.abs(ref.xHat[i]) + 1);
                betaScale[c] += Math.abs(dOut[i]);
            }
        }
        for (int c = 0; c < cols; c++) {
            refGamma[c] = dGammaStart[c] + ref.dGamma[c];
            refBeta[c] = dBetaStart[c] + ref.dBeta[c];
            gammaScale[c] += Math.abs(dGammaStart[c]);
            betaScale[c] += Math.abs(dBetaStart[c]);
        }
        Tolerance.FP32.assertClose(subject.with("dx"), dx, refDx, dxScale);
        Tolerance.FP32.assertClose(subject.with("dgamma"), dGamma, refGamma, gammaScale);
        Tolerance.FP32.assertClose(subject.with("dbeta"), dBeta, refBeta, betaScale);
        float[] gotInv = new float[rows];
        for (int r = 0; r < rows; r++) {
            gotInv[r] = stats[r * Norms.STATS + 2];
        }
        Tolerance.FP32.assertClose(subject.with("1/std in stats"), gotInv, inv, Tolerance.absOf(inv));
    }

    /**
     * Float64 LayerNorm gradients of {@code loss = Σ dOut·LayerNorm(x)} (biased variance, eps inside the root).
     *
     * @param dx     {@code [rows, cols]}
     * @param dGamma {@code [cols]}
     * @param dBeta  {@code [cols]}
     * @param xHat   the standardised inputs
     * @param inv    {@code 1/σ} per row
     */
    record Gradients(double[] dx, double[] dGamma, double[] dBeta, double[] xHat, double[] inv) {
    }

    static Gradients reference(float[] x, float[] gamma, float[] dOut, int rows, int cols, double eps) {
        double[] xHat = NormReference.standardize(NormReference.toDouble(x), rows, cols, eps);
        double[] dx = new double[rows * cols];
        double[] dGamma = new double[cols];
        double[] dBeta = new double[cols];
        double[] inv = new double[rows];
        for (int r = 0; r < rows; r++) {
            double mean = 0;
            for (int c = 0; c < cols; c++) {
                mean += x[r * cols + c];
            }
            mean /= cols;
            double var = 0;
            for (int c = 0; c < cols; c++) {
                var += (x[r * cols + c] - mean) * (x[r * cols + c] - mean);
            }
            inv[r] = 1 / Math.sqrt(var / cols + eps);
            double gMean = 0;
            double gxMean = 0;
            for (int c = 0; c < cols; c++) {
                double g = (double) dOut[r * cols + c] * gamma[c];
                gMean += g / cols;
                gxMean += g * xHat[r * cols + c] / cols;
                dGamma[c] += dOut[r * cols + c] * xHat[r * cols + c];
                dBeta[c] += dOut[r * cols + c];
            }
            for (int c = 0; c < cols; c++) {
                double g = (double) dOut[r * cols + c] * gamma[c];
                dx[r * cols + c] = inv[r] * (g - gMean - xHat[r * cols + c] * gxMean);
            }
        }
        return new Gradients(dx, dGamma, dBeta, xHat, inv);
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

package dev.squall.tasks.norm;

import dev.squall.tasks.elementwise.Elementwise;
import dev.squall.tasks.testing.FiniteDifferences;
import dev.squall.tasks.testing.Poison;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link BatchNorms} against the float64 {@link PrepBnReference}: batch statistics over the kept rows, the
 * running-statistics update, RepBN and the PRepBN mixture in training and inference form, and the training-mode
 * backward of both, on inputs whose columns sit on offsets up to ±1e4 (where the corrected mean matters) with
 * about a quarter of the rows not kept (padding). Every kernel runs split in random row slices (bit-identical to
 * the whole range) with its written outputs NaN-poisoned and its accumulated outputs starting from random values.
 *
 * <p>Bounds, {@code 1e-5} of: the forward, {@code |γ|(|x̂| + 1) + |β| + |α·x|} per element (plus the LayerNorm
 * branch's {@code |γ_ln|(|x̂_ln| + 1) + |β_ln|}), the inverse σ relative to itself; running mean,
 * {@code (1 − m)|rm| + m(|μ| + σ)}, running variance {@code (1 − m)|rv| + m·var·k/(k − 1)}; gradients:
 * {@code dx}, {@code |start| + |γ|/σ·(|g| + Σ|g|/k + (|x̂| + 1)·Σ|g|(|x̂| + 1)/k) + |α·g|} plus the LayerNorm bound of
 * {@link LayerNormBackwardTest} for the LayerNorm share; {@code dγ}, {@code |start| + Σ|g|(|x̂| + 1)}; {@code dβ},
 * {@code |start| + Σ|g|}; {@code dα}, {@code |start| + Σ|g·x|} (compensated column sums keep the error near one
 * rounding of these scales whatever the number of rows).
 */
class BatchNormsTest {
    private static final float EPS = 1e-5f;
    private static final float MOMENTUM = 0.1f;

    static Stream<Arguments> shapes() {
        return Stream.of(Arguments.of(1, 1), Arguments.of(2, 3), Arguments.of(13, 31), Arguments.of(31, 97),
                Arguments.of(97, 33), Arguments.of(300, 65));
    }

    /** A random case: inputs on per-column offsets, keep flags, parameters, λ. */
    private record Case(RandomArrays rnd, int rows, int cols, float[] x, int[] keep, float[] lnGamma, float[] lnBeta,
                        float[] gamma, float[] beta, float[] alpha, float[] lambda) {
        static Case draw(int rows, int cols, double lambda) {
            RandomArrays rnd = RandomArrays.fresh();
            float[] x = rnd.gaussian(rows * cols, 0, 1);
            double[] offset = new double[cols];
            double[] spread = new double[cols];
            for (int c = 0; c < cols; c++) {
                offset[c] = c % 3 == 1 ? (c % 2 == 0 ? 1e4 : -3e4) : rnd.nextDouble(-2, 2);
                spread[c] = c % 3 == 1 ? 0.1 : rnd.nextDouble(0.5, 3);
            }
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (offset[i % cols] + spread[i % cols] * x[i]);
            }
            int[] keep = new int[rows];
            for (int i = 0; i < rows; i++) {
                keep[i] = i == 0 || !rnd.chance(0.25) ? 1 : 0;
            }
            return new Case(rnd, rows, cols, x, keep, rnd.gaussian(cols, 1, 0.5), rnd.gaussian(cols),
                    rnd.gaussian(cols, 1, 0.5), rnd.gaussian(cols), new float[] {(float) rnd.nextDouble(-1, 1.5)},
                    new float[] {(float) lambda});
        }

        boolean[] kept() {
            boolean[] k = new boolean[rows];
            for (int i = 0; i < rows; i++) {
                k[i] = keep[i] != 0;
            }
            return k;
        }

        PrepBnReference.Inputs inputs() {
            return new PrepBnReference.Inputs(NormReference.toDouble(x), kept(), NormReference.toDouble(lnGamma),
                    NormReference.toDouble(lnBeta), NormReference.toDouble(gamma), NormReference.toDouble(beta),
                    alpha[0], lambda[0], rows, cols, EPS);
        }

        Subject subject(String kernel) {
            return Subject.of(kernel, "rows=" + rows + " cols=" + cols + " lambda=" + lambda[0], rnd.seed()).rowsOf(cols);
        }

        float[] batchStats() {
            float[] stats = new float[cols * BatchNorms.STATS];
            RowSlices.run(subject("BatchNorms.batchStats").rowsOf(BatchNorms.STATS), rnd,
                    Elementwise.columnPanels(cols),
                    (off, cnt) -> BatchNorms.batchStats(x, keep, stats, rows, cols, EPS, off, cnt), stats);
            return stats;
        }
    }

    @ParameterizedTest(name = "{0}x{1}")
    @MethodSource("shapes")
    void trainingForwardAndRunningUpdate(int rows, int cols) {
        for (double lambda : new double[] {0, 0.37, 1}) {
            Case k = Case.draw(rows, cols, lambda);
            float[] stats = k.batchStats();
            PrepBnReference.Stats ref = PrepBnReference.stats(NormReference.toDouble(k.x), k.kept(), rows, cols, EPS);
            float[] inv = new float[cols];
            for (int c = 0; c < cols; c++) {
                inv[c] = stats[c * BatchNorms.STATS + 2];
            }
            Tolerance.FP32.assertClose(k.subject("batchStats 1/sigma"), inv, ref.inv(), Tolerance.absOf(ref.inv()));

            float[] out = new float[rows * cols];
            RowSlices.run(k.subject("BatchNorms.prepBn"), k.rnd, rows, (off, cnt) -> BatchNorms.prepBn(k.x, k.lnGamma,
                    k.lnBeta, stats, k.gamma, k.beta, k.alpha, k.lambda, out, cols, EPS, off, cnt), out);
            double[] expected = PrepBnReference.forward(k.inputs());
            Tolerance.FP32.assertClose(k.subject("BatchNorms.prepBn"), out, expected, forwardScale(k, ref, lambda));
            if (lambda == 0) {
                RowSlices.run(k.subject("BatchNorms.repBn"), k.rnd, rows, (off, cnt) -> BatchNorms.repBn(k.x, stats,
                        k.gamma, k.beta, k.alpha, out, cols, off, cnt), out);
                Tolerance.FP32.assertClose(k.subject("BatchNorms.repBn"), out, expected, forwardScale(k, ref, 0));
            }
            checkRunningUpdate(k, stats, ref);
        }
    }

    private static void checkRunningUpdate(Case k, float[] stats, PrepBnReference.Stats ref) {
        int cols = k.cols;
        float[] rm0 = k.rnd.gaussian(cols);
        float[] rv0 = k.rnd.uniform(cols, 0.1, 3);
        float[] rm = new float[cols];
        float[] rv = new float[cols];
        RowSlices.runFrom(k.subject("BatchNorms.updateRunning"), k.rnd, cols,
                (off, cnt) -> BatchNorms.updateRunning(stats, rm, rv, MOMENTUM, cols, off, cnt),
                new float[][] {rm0, rv0}, rm, rv);
        double[] em = new double[cols];
        double[] ev = new double[cols];
        double[] sm = new double[cols];
        double[] sv = new double[cols];
        int kept = ref.kept();
        for (int c = 0; c < cols; c++) {
            double unbiased = kept > 1 ? ref.var()[c] * kept / (kept - 1) : ref.var()[c];
            em[c] = (1 - MOMENTUM) * rm0[c] + MOMENTUM * ref.mean()[c];
            ev[c] = (1 - MOMENTUM) * rv0[c] + MOMENTUM * unbiased;
            sm[c] = (1 - MOMENTUM) * Math.abs(rm0[c]) + MOMENTUM * (Math.abs(ref.mean()[c]) + Math.sqrt(ref.var()[c]));
            sv[c] = (1 - MOMENTUM) * rv0[c] + MOMENTUM * unbiased;
        }
        Tolerance.FP32.assertClose(k.subject("running mean"), rm, em, sm);
        Tolerance.FP32.assertClose(k.subject("running var"), rv, ev, sv);
    }

    private static double[] forwardScale(Case k, PrepBnReference.Stats ref, double lambda) {
        int cols = k.cols;
        double[] h = PrepBnReference.xHat(NormReference.toDouble(k.x), ref, k.rows, cols);
        double[] ln = NormReference.standardize(NormReference.toDouble(k.x), k.rows, cols, EPS);
        double[] scale = new double[h.length];
        for (int i = 0; i < h.length; i++) {
            int c = i % cols;
            double rep = Math.abs(k.gamma[c]) * (Math.abs(h[i]) + 1) + Math.abs(k.beta[c]) + Math.abs(k.alpha[0] * k.x[i]);
            double lnScale = Math.abs(k.lnGamma[c]) * (Math.abs(ln[i]) + 1) + Math.abs(k.lnBeta[c]);
            scale[i] = (1 - lambda) * rep + lambda * lnScale;
        }
        return scale;
    }

    @ParameterizedTest(name = "{0}x{1}")
    @MethodSource("shapes")
    void inferenceForm(int rows, int cols) {
        Case k = Case.draw(rows, cols, 0);
        float[] runningMean = k.rnd.gaussian(cols, 0, 3);
        float[] runningVar = k.rnd.logUniform(cols, 1e-3, 10);
        for (int c = 0; c < cols; c++) {
            runningVar[c] = Math.abs(runningVar[c]);
        }
        float[] stats = new float[cols * BatchNorms.STATS];
        RowSlices.run(k.subject("BatchNorms.runningStats"), k.rnd, cols,
                (off, cnt) -> BatchNorms.runningStats(runningMean, runningVar, stats, cols, EPS, off, cnt), stats);
        float[] out = new float[rows * cols];
        RowSlices.run(k.subject("BatchNorms.repBn eval"), k.rnd, rows,
                (off, cnt) -> BatchNorms.repBn(k.x, stats, k.gamma, k.beta, k.alpha, out, cols, off, cnt), out);
        double[] expected = new double[out.length];
        double[] scale = new double[out.length];
        for (int i = 0; i < out.length; i++) {
            int c = i % cols;
            double inv = 1 / Math.sqrt((double) runningVar[c] + EPS);
            double h = ((double) k.x[i] - runningMean[c]) * inv;
            expected[i] = k.gamma[c] * h + k.beta[c] + (double) k.alpha[0] * k.x[i];
            scale[i] = Math.abs(k.gamma[c]) * (Math.abs(h) + (Math.abs(k.x[i]) + Math.abs(runningMean[c])) * inv)
                    + Math.abs(k.beta[c]) + Math.abs(k.alpha[0] * k.x[i]);
        }
        Tolerance.FP32.assertClose(k.subject("BatchNorms.repBn eval"), out, expected, scale);
    }

    @ParameterizedTest(name = "{0}x{1}")
    @MethodSource("shapes")
    void trainingBackward(int rows, int cols) {
        for (double lambda : new double[] {0, 0.37}) {
            checkBackward(Case.draw(rows, cols, lambda));
        }
    }

    private static void checkBackward(Case k) {
        int rows = k.rows;
        int cols = k.cols;
        int panels = Elementwise.columnPanels(cols);
        RandomArrays rnd = k.rnd;
        float[] stats = k.batchStats();
        float[] dOut = rnd.gaussian(rows * cols);
        float[] dxStart = rnd.gaussian(rows * cols);
        float[] dGammaStart = rnd.gaussian(cols);
        float[] dBetaStart = rnd.gaussian(cols);
        float[] dAlphaStart = rnd.gaussian(1);
        float[] dLnGammaStart = rnd.gaussian(cols);
        float[] dLnBetaStart = rnd.gaussian(cols);
        float[] sums = new float[2 * cols];
        float[] partials = new float[panels];
        float[] dx = new float[rows * cols];
        float[] dGamma = new float[cols];
        float[] dBeta = new float[cols];
        float[] dAlpha = new float[1];
        RowSlices.run(k.subject("BatchNorms.repBnReduce"), rnd, panels,
                (off, cnt) -> BatchNorms.repBnReduce(k.x, stats, dOut, k.lambda, sums, partials, rows, cols, off, cnt),
                sums, partials);
        RowSlices.runFrom(k.subject("BatchNorms.repBnBackward"), rnd, rows, (off, cnt) -> BatchNorms.repBnBackward(
                k.x, stats, k.gamma, k.alpha, k.keep, sums, dOut, k.lambda, dx, cols, off, cnt),
                new float[][] {dxStart}, dx);
        RowSlices.runFrom(k.subject("BatchNorms.repBnParamsBackward"), rnd, panels,
                (off, cnt) -> BatchNorms.repBnParamsBackward(sums, partials, dGamma, dBeta, dAlpha, cols, panels, off,
                        cnt), new float[][] {dGammaStart, dBetaStart, dAlphaStart}, dGamma, dBeta, dAlpha);
        // the LayerNorm share of the mixture, into the same dx
        float[] share = new float[rows * cols];
        RowSlices.run(k.subject("BatchNorms.layerNormShare"), rnd, rows,
                (off, cnt) -> BatchNorms.layerNormShare(dOut, k.lambda, share, cols, off, cnt), share);
        float[] lnStats = Poison.array(rows * Norms.STATS);
        float[] dLnGamma = dLnGammaStart.clone();
        float[] dLnBeta = dLnBetaStart.clone();
        Norms.layerNormBackward(k.x, k.lnGamma, share, dx, lnStats, cols, EPS, 0, rows);
        Norms.layerNormParamsBackward(k.x, lnStats, share, dLnGamma, dLnBeta, rows, cols, 0, panels);

        PrepBnReference.Gradients ref = PrepBnReference.gradients(k.inputs(), dOut);
        PrepBnReference.Stats s = PrepBnReference.stats(NormReference.toDouble(k.x), k.kept(), rows, cols, EPS);
        double lambda = k.lambda[0];
        double w = 1 - lambda;
        double[] absG = new double[cols];
        double[] absGx = new double[cols];
        double absAlpha = Math.abs(dAlphaStart[0]);
        double[] gammaScale = new double[cols];
        double[] betaScale = new double[cols];
        for (int i = 0; i < rows * cols; i++) {
            int c = i % cols;
            double g = Math.abs(w * dOut[i]);
            absG[c] += g;
            absGx[c] += g * (Math.abs(ref.xHat()[i]) + 1);
            absAlpha += Math.abs(g * k.x[i]);
        }
        LayerNormGradReference ln = LayerNormGradReference.of(k.x, k.lnGamma, dOut, new float[rows * cols], new float[cols],
                new float[cols], rows, cols, EPS);
        double[] refDx = new double[dx.length];
        double[] dxScale = new double[dx.length];
        for (int r = 0; r < rows; r++) {
            double lnG = 0;
            double lnGx = 0;
            for (int c = 0; c < cols; c++) {
                double g = Math.abs((double) dOut[r * cols + c] * k.lnGamma[c]);
                lnG += g / cols;
                lnGx += g * (Math.abs(ln.xHat()[r * cols + c]) + 1) / cols;
            }
            for (int c = 0; c < cols; c++) {
                int i = r * cols + c;
                double g = Math.abs(w * dOut[i]);
                double kept = Math.max(s.kept(), 1);
                refDx[i] = dxStart[i] + ref.dx()[i];
                dxScale[i] = Math.abs(dxStart[i]) + Math.abs(k.gamma[c]) * s.inv()[c]
                        * (g + absG[c] / kept + (Math.abs(ref.xHat()[i]) + 1) * absGx[c] / kept)
                        + Math.abs(k.alpha[0]) * g
                        + lambda * ln.inv()[r] * (Math.abs((double) dOut[i] * k.lnGamma[c]) + lnG
                        + (Math.abs(ln.xHat()[i]) + 1) * lnGx);
            }
        }
        double[] refGamma = new double[cols];
        double[] refBeta = new double[cols];
        double[] refLnGamma = new double[cols];
        double[] refLnBeta = new double[cols];
        double[] lnGammaScale = new double[cols];
        double[] lnBetaScale = new double[cols];
        for (int c = 0; c < cols; c++) {
            refGamma[c] = dGammaStart[c] + ref.dGamma()[c];
            refBeta[c] = dBetaStart[c] + ref.dBeta()[c];
            gammaScale[c] = Math.abs(dGammaStart[c]) + absGx[c];
            betaScale[c] = Math.abs(dBetaStart[c]) + absG[c];
            refLnGamma[c] = dLnGammaStart[c] + ref.dLnGamma()[c];
            refLnBeta[c] = dLnBetaStart[c] + ref.dLnBeta()[c];
            for (int r = 0; r < rows; r++) {
                double g = Math.abs(lambda * dOut[r * cols + c]);
                lnGammaScale[c] += g * (Math.abs(ln.xHat()[r * cols + c]) + 1);
                lnBetaScale[c] += g;
            }
            lnGammaScale[c] += Math.abs(dLnGammaStart[c]);
            lnBetaScale[c] += Math.abs(dLnBetaStart[c]);
        }
        Tolerance.FP32.assertClose(k.subject("dx"), dx, refDx, dxScale);
        Tolerance.FP32.assertClose(k.subject("dgamma"), dGamma, refGamma, gammaScale);
        Tolerance.FP32.assertClose(k.subject("dbeta"), dBeta, refBeta, betaScale);
        Tolerance.FP32.assertClose(k.subject("dalpha"), dAlpha, new double[] {dAlphaStart[0] + ref.dAlpha()},
                new double[] {absAlpha});
        Tolerance.FP32.assertClose(k.subject("d ln gamma"), dLnGamma, refLnGamma, lnGammaScale);
        Tolerance.FP32.assertClose(k.subject("d ln beta"), dLnBeta, refLnBeta, lnBetaScale);
    }

    @Test
    void referenceGradientsMatchFiniteDifferences() {
        Case k = Case.draw(6, 4, 0.3);
        float[] dOut = k.rnd.gaussian(6 * 4);
        Subject subject = Subject.of("float64 PRepBN gradient", "rows=6 cols=4", k.rnd.seed());
        // finite differences are taken on moderate inputs: a 1e4 offset would swamp the step
        for (int i = 0; i < k.x.length; i++) {
            k.x[i] = (float) (k.x[i] - Math.rint(k.x[i] / 100) * 100);
        }
        PrepBnReference.Inputs at = k.inputs();
        PrepBnReference.Gradients g = PrepBnReference.gradients(at, dOut);
        FiniteDifferences.assertMatches(subject.with("dx"), g.dx(),
                FiniteDifferences.gradient(v -> PrepBnReference.loss(at.withX(v), dOut), at.x().clone(), 1e-6), 1e-7);
        FiniteDifferences.assertMatches(subject.with("dgamma"), g.dGamma(),
                FiniteDifferences.gradient(v -> PrepBnReference.loss(at.withGamma(v), dOut), at.gamma().clone(), 1e-5),
                1e-7);
        FiniteDifferences.assertMatches(subject.with("dbeta"), g.dBeta(),
                FiniteDifferences.gradient(v -> PrepBnReference.loss(at.withBeta(v), dOut), at.beta().clone(), 1e-5),
                1e-7);
        FiniteDifferences.assertMatches(subject.with("dalpha"), new double[] {g.dAlpha()},
                FiniteDifferences.gradient(v -> PrepBnReference.loss(at.withAlpha(v[0]), dOut),
                        new double[] {at.alpha()}, 1e-5), 1e-7);
        FiniteDifferences.assertMatches(subject.with("d ln gamma"), g.dLnGamma(),
                FiniteDifferences.gradient(v -> PrepBnReference.loss(at.withLn(v, at.lnBeta()), dOut),
                        at.lnGamma().clone(), 1e-5), 1e-7);
        FiniteDifferences.assertMatches(subject.with("d ln beta"), g.dLnBeta(),
                FiniteDifferences.gradient(v -> PrepBnReference.loss(at.withLn(at.lnGamma(), v), dOut),
                        at.lnBeta().clone(), 1e-5), 1e-7);
    }
}

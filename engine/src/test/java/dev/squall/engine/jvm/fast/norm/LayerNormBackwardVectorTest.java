package dev.squall.engine.jvm.fast.norm;

import dev.squall.engine.jvm.fast.gemm.GemmVectorTest;
import dev.squall.tasks.elementwise.Elementwise;
import dev.squall.tasks.norm.LayerNormGradReference;
import dev.squall.tasks.norm.Norms;
import dev.squall.tasks.testing.BitExact;
import dev.squall.tasks.testing.Poison;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

/**
 * The LayerNorm backward fast paths ({@link NormsVector#layerNormBackward}, {@link NormsVector#layerNormParamsBackward})
 * on the plain kernels' test inputs (gaussian rows, rows on a large mean, constant rows), rows shorter and longer
 * than a vector and column panels cut by the vector width, gradients accumulated onto random initial values, rows
 * and panels split at random (bit-identical results). Checks: against float64 within {@code 1e-5} of the scales of
 * {@link LayerNormGradReference}, and within twice that of the plain kernel; the statistics give the fast forward's
 * {@code x̂} bit for bit (so the backward differentiates the forward that ran); the parameter gradients are the
 * plain kernel's bits from the same statistics.
 */
class LayerNormBackwardVectorTest {
    private static final float EPS = 1e-5f;

    static Stream<Arguments> shapesAndInputs() {
        int[][] shapes = {{1, 1}, {3, 1}, {1, 7}, {13, 31}, {31, 97}, {7, 1000}, {5, 20}, {9, 40}, {17, 128}};
        return Stream.of(shapes).flatMap(s -> Stream.of(0, 1, 2).map(kind -> Arguments.of(s[0], s[1], kind)));
    }

    @ParameterizedTest(name = "{0}x{1} inputs #{2}")
    @MethodSource("shapesAndInputs")
    void matchesFloat64AndThePlainKernels(int rows, int cols, int inputs) {
        RandomArrays rnd = RandomArrays.fresh();
        float[] x = inputs(rnd, rows, cols, inputs);
        float[] gamma = rnd.gaussian(cols, 1, 0.5);
        float[] dOut = rnd.gaussian(rows * cols);
        float[] dxStart = rnd.gaussian(rows * cols);
        float[] dGammaStart = rnd.gaussian(cols);
        float[] dBetaStart = rnd.gaussian(cols);
        Subject subject = Subject.of("NormsVector.layerNormBackward", rows + "x" + cols + " inputs #" + inputs,
                rnd.seed()).rowsOf(cols);

        float[] dx = new float[rows * cols];
        float[] stats = new float[rows * Norms.STATS];
        RowSlices.runFrom(subject, rnd, rows,
                (off, cnt) -> NormsVector.layerNormBackward(x, gamma, dOut, dx, stats, cols, EPS, off, cnt),
                new float[][] {dxStart, Poison.array(stats.length)}, dx, stats);
        float[] dGamma = new float[cols];
        float[] dBeta = new float[cols];
        RowSlices.runFrom(subject.with("params"), rnd, Elementwise.columnPanels(cols),
                (off, cnt) -> NormsVector.layerNormParamsBackward(x, stats, dOut, dGamma, dBeta, rows, cols, off, cnt),
                new float[][] {dGammaStart, dBetaStart}, dGamma, dBeta);

        LayerNormGradReference ref = LayerNormGradReference.of(x, gamma, dOut, dxStart, dGammaStart, dBetaStart, rows,
                cols, EPS);
        Tolerance.FP32.assertClose(subject.with("dx vs float64"), dx, ref.dx(), ref.dxScale());
        Tolerance.FP32.assertClose(subject.with("dgamma vs float64"), dGamma, ref.dGamma(), ref.gammaScale());
        Tolerance.FP32.assertClose(subject.with("dbeta vs float64"), dBeta, ref.dBeta(), ref.betaScale());

        float[] plainDx = dxStart.clone();
        float[] plainStats = new float[stats.length];
        Norms.layerNormBackward(x, gamma, dOut, plainDx, plainStats, cols, EPS, 0, rows);
        Tolerance.relative(2e-5).assertClose(subject.with("dx vs plain"), dx, GemmVectorTest.toDouble(plainDx),
                ref.dxScale());
        float[] plainGamma = dGammaStart.clone();
        float[] plainBeta = dBetaStart.clone();
        Norms.layerNormParamsBackward(x, stats, dOut, plainGamma, plainBeta, rows, cols, 0,
                Elementwise.columnPanels(cols));
        BitExact.assertIdentical(subject.with("dgamma vs plain from the same statistics"), plainGamma, dGamma);
        BitExact.assertIdentical(subject.with("dbeta vs plain from the same statistics"), plainBeta, dBeta);

        float[] ones = new float[cols];
        java.util.Arrays.fill(ones, 1f);
        float[] forward = new float[rows * cols];
        NormsVector.layerNorm(x, ones, new float[cols], forward, cols, EPS, 0, rows);
        float[] xHat = new float[rows * cols];
        for (int i = 0; i < xHat.length; i++) {
            int r = i / cols;
            xHat[i] = ((x[i] - stats[r * Norms.STATS]) - stats[r * Norms.STATS + 1]) * stats[r * Norms.STATS + 2];
        }
        BitExact.assertIdentical(subject.with("x̂ from the statistics vs the fast forward"), forward, xHat);
    }

    /** Gaussian rows (0), rows on a large mean (1), constant rows (2), as the plain kernels' test. */
    private static float[] inputs(RandomArrays rnd, int rows, int cols, int kind) {
        if (kind == 0) {
            return rnd.gaussian(rows * cols);
        }
        float[] x = kind == 1 ? rnd.gaussian(rows * cols, 0, 0.1) : new float[rows * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] += kind == 1 ? ((i / cols) % 2 == 0 ? 1e4f : -3e4f) : (i / cols) * 37.5f - 100f;
        }
        return x;
    }
}

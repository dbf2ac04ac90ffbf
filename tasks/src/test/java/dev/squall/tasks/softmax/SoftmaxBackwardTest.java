package dev.squall.tasks.softmax;

import dev.squall.tasks.testing.FiniteDifferences;
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
 * {@link Softmax#softmaxBackward} against {@code p·(dp − Σ p·dp)} in float64 from the same fp32 probabilities (the
 * softmax kernel's, over rows with −∞ entries and a fully masked row), checked against central differences of the
 * float64 softmax by {@link #referenceMatchesFiniteDifferences}. Bound: {@code 1e-5 · p_c·(|dp_c| + Σ_j p_j|dp_j|)},
 * the scale of the rounding of the dot product and of the one subtraction and product; masked entries must be 0.
 */
class SoftmaxBackwardTest {
    static Stream<Arguments> shapes() {
        return Stream.of(Arguments.of(1, 1), Arguments.of(1, 7), Arguments.of(13, 31), Arguments.of(97, 97),
                Arguments.of(7, 1000), Arguments.of(5, 1));
    }

    @ParameterizedTest(name = "{0}x{1}")
    @MethodSource("shapes")
    void gradientOfTheScores(int rows, int cols) {
        RandomArrays rnd = RandomArrays.fresh();
        float[] x = rnd.gaussian(rows * cols, 0, 3);
        for (int i = 3; i < x.length; i += 7) {
            x[i] = Float.NEGATIVE_INFINITY;
        }
        if (rows > 2) {
            java.util.Arrays.fill(x, cols, 2 * cols, Float.NEGATIVE_INFINITY);
        }
        float[] p = new float[x.length];
        Softmax.softmax(x, p, cols, 0, rows);
        float[] dp = rnd.gaussian(x.length, 0, 2);
        float[] dx = new float[x.length];
        Subject subject = Subject.of("Softmax.softmaxBackward", "rows=" + rows + " cols=" + cols, rnd.seed()).rowsOf(cols);

        RowSlices.run(subject, rnd, rows, (off, cnt) -> Softmax.softmaxBackward(p, dp, dx, cols, off, cnt), dx);

        double[] ref = new double[x.length];
        double[] scale = new double[x.length];
        for (int r = 0; r < rows; r++) {
            double dot = 0;
            double absDot = 0;
            for (int c = 0; c < cols; c++) {
                dot += (double) p[r * cols + c] * dp[r * cols + c];
                absDot += Math.abs((double) p[r * cols + c] * dp[r * cols + c]);
            }
            for (int c = 0; c < cols; c++) {
                int i = r * cols + c;
                ref[i] = p[i] * (dp[i] - dot);
                scale[i] = p[i] * (Math.abs(dp[i]) + absDot);
            }
        }
        Tolerance.FP32.assertClose(subject, dx, ref, scale);
    }

    @Test
    void referenceMatchesFiniteDifferences() {
        RandomArrays rnd = RandomArrays.fresh();
        int cols = 9;
        float[] x = rnd.gaussian(cols, 0, 2);
        float[] dp = rnd.gaussian(cols);
        double[] p = SoftmaxReference.softmax(x, 1, cols);
        double dot = 0;
        for (int c = 0; c < cols; c++) {
            dot += p[c] * dp[c];
        }
        double[] analytic = new double[cols];
        for (int c = 0; c < cols; c++) {
            analytic[c] = p[c] * (dp[c] - dot);
        }
        double[] xd = new double[cols];
        for (int c = 0; c < cols; c++) {
            xd[c] = x[c];
        }
        double[] differences = FiniteDifferences.gradient(v -> {
            double max = Double.NEGATIVE_INFINITY;
            for (double e : v) {
                max = Math.max(max, e);
            }
            double sum = 0;
            for (double e : v) {
                sum += Math.exp(e - max);
            }
            double loss = 0;
            for (int c = 0; c < cols; c++) {
                loss += dp[c] * Math.exp(v[c] - max) / sum;
            }
            return loss;
        }, xd, 1e-5);
        FiniteDifferences.assertMatches(Subject.of("float64 softmax gradient", "cols=9", rnd.seed()), analytic,
                differences, 1e-7);
    }
}

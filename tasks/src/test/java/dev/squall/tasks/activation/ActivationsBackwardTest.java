package dev.squall.tasks.activation;

import dev.squall.tasks.testing.FiniteDifferences;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Activations#activationBackward} against float64 derivatives written from the definitions (Commons Math
 * for erfc), which {@link #referenceDerivativesMatchFiniteDifferences} checks against central differences of
 * {@link ActivationReference}. Inputs: moderate values, the tails where the exponentials underflow, zeros and huge
 * values (where x³ overflows fp32).
 *
 * <p>Bound: {@code 1e-5 · |dOut|·(|t₁| + |t₂|)·(1 + x²/10)}, where {@code t₁ + t₂} is the derivative's two terms
 * ({@code Φ(x)} and {@code x·φ(x)} for the exact GELU, and so on): each term rounded to ~1e-6, and the rounding of
 * {@code x/√2} or of {@code y}, which the exponentials amplify by about {@code x²} (as in the forward's test,
 * measured there up to 2e-5 relative in the far tails, far below this bound).
 */
class ActivationsBackwardTest {
    private static final int[] KINDS = ActivationsTest.KINDS;
    private static final String[] NAMES = ActivationsTest.NAMES;
    private static final float[] SPECIALS = {0f, -0f, Float.MIN_VALUE, -Float.MIN_NORMAL, 1f, -1f, -13f, -89.5f,
            -103f, 1e20f, -1e20f, Float.MAX_VALUE, -Float.MAX_VALUE};

    @ParameterizedTest(name = "{1}x{2} kind #{0}")
    @MethodSource("dev.squall.tasks.activation.ActivationsTest#kindsAndShapes")
    void gradientTimesDerivative(int kindIndex, int rows, int cols) {
        int kind = KINDS[kindIndex];
        RandomArrays rnd = RandomArrays.fresh();
        int n = rows * cols;
        float[] x = new float[n];
        float[] moderate = rnd.uniform(n, -12, 12);
        float[] tail = rnd.uniform(n, -105, -85);
        for (int i = 0; i < n; i++) {
            x[i] = i < SPECIALS.length ? SPECIALS[i] : rnd.chance(0.9) ? moderate[i] : tail[i];
        }
        float[] dOut = rnd.gaussian(n);
        float[] dx = new float[n];
        Subject subject = Subject.of("Activations.activationBackward " + NAMES[kindIndex], "rows=" + rows + " cols=" + cols,
                rnd.seed()).rowsOf(cols);

        RowSlices.run(subject, rnd, rows, (off, cnt) -> Activations.activationBackward(x, dOut, dx, cols, kind, off, cnt),
                dx);

        double[] ref = new double[n];
        double[] scale = new double[n];
        for (int i = 0; i < n; i++) {
            double[] terms = ActivationReference.derivativeTerms(kind, x[i]);
            ref[i] = dOut[i] * (terms[0] + terms[1]);
            double xi = x[i];
            double conditioning = Double.isFinite(xi * xi) ? 1 + xi * xi / 10 : Double.MAX_VALUE;
            scale[i] = Math.min(Double.MAX_VALUE, Math.abs(dOut[i]) * (Math.abs(terms[0]) + Math.abs(terms[1])) * conditioning);
        }
        Tolerance.FP32.assertClose(subject, dx, ref, scale);
    }

    @Test
    void referenceDerivativesMatchFiniteDifferences() {
        RandomArrays rnd = RandomArrays.fresh();
        float[] x = rnd.uniform(400, -8, 8);
        for (int k = 0; k < KINDS.length; k++) {
            int kind = KINDS[k];
            double[] analytic = new double[x.length];
            double[] differences = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                double[] terms = ActivationReference.derivativeTerms(kind, x[i]);
                analytic[i] = terms[0] + terms[1];
                double[] at = {x[i]};
                differences[i] = FiniteDifferences.gradient(v -> ActivationReference.apply(kind, v[0]), at, 1e-5)[0];
            }
            FiniteDifferences.assertMatches(Subject.of("float64 derivative of " + NAMES[k], "x in [-8, 8]", rnd.seed()),
                    analytic, differences, 1e-7);
        }
    }
}

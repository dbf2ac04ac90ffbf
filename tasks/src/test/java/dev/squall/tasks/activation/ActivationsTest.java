package dev.squall.tasks.activation;

import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.commons.math3.special.Erf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Activations against float64 references over the whole float range: zeros, subnormals, the tails where
 * the exponentials overflow or underflow, huge values and +∞.
 *
 * <p>Bound: {@code 1e-6 · (|f(x)| + |x·f'(x)|)}, i.e. the fp32 result must be f of an input perturbed by
 * at most ~1e-6 relative, rounded to ~1e-6 relative (mixed forward-backward error; about 2e-6 of |f| where
 * x is moderate, stricter than the usual fp32 1e-5). The plain {@code |f(x)|} scale cannot hold in the far
 * negative GELU tails: rounding {@code x/√2} (GELU_ERF) or {@code √(2/π)(x + 0.044715x³)} (GELU_TANH) to fp32
 * is amplified there by the condition number {@code |x·f'(x)/f(x)| ≈ x²} — measured 1.9e-5 relative at
 * x ≈ −13 and 1.6e-5 at x ≈ −9.9, where the values are below 1e-20. Elsewhere the errors stay below 3e-6
 * relative to {@code |f(x)|}. −∞ is only tested for IDENTITY and RELU: for GELU and SiLU it is the
 * indeterminate {@code −∞·0}.
 */
class ActivationsTest {
    static final int[] KINDS = {Activations.IDENTITY, Activations.RELU, Activations.GELU_ERF,
            Activations.GELU_TANH, Activations.SILU};
    private static final Tolerance CONDITIONED = Tolerance.relative(1e-6);
    static final String[] NAMES = {"IDENTITY", "RELU", "GELU_ERF", "GELU_TANH", "SILU"};
    private static final float[] SPECIALS = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL,
            -Float.MIN_NORMAL, 1e-30f, -1e-30f, 1f, -1f, 88.7f, -88.7f, -89.5f, -91f, -10.1f, -13f, -103f,
            1e20f, -1e20f, Float.MAX_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY};

    static Stream<Arguments> kindsAndShapes() {
        int[][] shapes = {{1, 1}, {1, 7}, {13, 31}, {97, 13}, {7, 1000}};
        return IntStream.range(0, KINDS.length).boxed()
                .flatMap(k -> Stream.of(shapes).map(s -> Arguments.of(k, s[0], s[1])));
    }

    @ParameterizedTest(name = "{1}x{2} kind #{0}")
    @MethodSource("kindsAndShapes")
    void activationMatchesFloat64OverTheWholeFloatRange(int kindIndex, int rows, int cols) {
        int kind = KINDS[kindIndex];
        RandomArrays rnd = RandomArrays.fresh();
        float[] x = wideRange(rnd, rows * cols, kind);
        float[] out = new float[rows * cols];
        Subject subject = Subject.of("Activations.activation " + NAMES[kindIndex], "rows=" + rows + " cols=" + cols,
                rnd.seed()).rowsOf(cols);

        RowSlices.run(subject, rnd, rows, (off, cnt) -> Activations.activation(x, out, cols, kind, off, cnt), out);

        double[] ref = new double[x.length];
        double[] scale = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            ref[i] = ActivationReference.apply(kind, x[i]);
            scale[i] = conditionedScale(kind, x[i]);
        }
        CONDITIONED.assertClose(subject, out, ref, scale);
    }

    /** A dense sweep of [-110, 40], through the tails where exponentials under- and overflow. */
    @ParameterizedTest(name = "kind #{0}")
    @MethodSource("kindIndices")
    void activationMatchesFloat64OnADenseSweep(int kindIndex) {
        int kind = KINDS[kindIndex];
        int rows = 61;
        int cols = 2003;
        float[] x = new float[rows * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (-110 + 150.0 * i / x.length);
        }
        float[] out = new float[x.length];
        RandomArrays rnd = RandomArrays.fresh();
        Subject subject = Subject.of("Activations.activation " + NAMES[kindIndex], "sweep [-110, 40]", rnd.seed())
                .rowsOf(cols);

        RowSlices.run(subject, rnd, rows, (off, cnt) -> Activations.activation(x, out, cols, kind, off, cnt), out);

        double[] ref = new double[x.length];
        double[] scale = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            ref[i] = ActivationReference.apply(kind, x[i]);
            scale[i] = conditionedScale(kind, x[i]);
        }
        CONDITIONED.assertClose(subject, out, ref, scale);
    }

    static IntStream kindIndices() {
        return IntStream.range(0, KINDS.length);
    }

    /**
     * erfc against Commons Math. The fit itself has fractional error below 1.2e-7; evaluating it in fp32 adds
     * a few roundings of t and the polynomial and the rounding of {@code −z²}, which the exponential turns into
     * a relative error of about {@code z²·2⁻²⁴} (measured 4.5e-7 for |x| ≤ 1, 7.8e-6 at x ≈ 8). Bound:
     * {@code 1e-6 · (1 + x²) · |erfc(x)|}.
     */
    @Test
    void erfcMatchesCommonsMath() {
        RandomArrays rnd = RandomArrays.fresh();
        int n = 200_001;
        float[] x = new float[n + 1000];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (-10 + 20.0 * i / (n - 1));
        }
        float[] random = rnd.logUniform(1000, 1e-45, 20);
        System.arraycopy(random, 0, x, n, random.length);
        float[] got = new float[x.length];
        double[] ref = new double[x.length];
        double[] scale = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            got[i] = Activations.erfc(x[i]);
            ref[i] = Erf.erfc(x[i]);
            scale[i] = (1 + (double) x[i] * x[i]) * Math.abs(ref[i]);
        }
        Tolerance.relative(1e-6).assertClose(Subject.of("Activations.erfc", "sweep [-10, 10] + random", rnd.seed()),
                got, ref, scale);
    }

    /** SwiGLU on packed [gate | up] rows. Bound: {@code 1e-5 · |silu(g)·u|} (one SiLU and one product). */
    @ParameterizedTest(name = "{0}x{1}")
    @MethodSource("swigluShapes")
    void swigluMatchesFloat64(int rows, int cols) {
        RandomArrays rnd = RandomArrays.fresh();
        float[] gateUp = rnd.gaussian(rows * 2 * cols, 0, 4);
        float[] out = new float[rows * cols];
        Subject subject = Subject.of("Activations.swiglu", "rows=" + rows + " cols=" + cols, rnd.seed()).rowsOf(cols);

        RowSlices.run(subject, rnd, rows, (off, cnt) -> Activations.swiglu(gateUp, out, cols, off, cnt), out);

        double[] ref = new double[out.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                ref[r * cols + c] = ActivationReference.swiglu(gateUp[r * 2 * cols + c], gateUp[r * 2 * cols + cols + c]);
            }
        }
        Tolerance.FP32.assertClose(subject, out, ref, Tolerance.absOf(ref));
    }

    static Stream<Arguments> swigluShapes() {
        return Stream.of(Arguments.of(1, 1), Arguments.of(1, 7), Arguments.of(13, 31), Arguments.of(31, 97));
    }

    /**
     * Inputs spanning every magnitude: the special values first (a random choice of them when {@code n} is
     * smaller), then values log-uniform over the whole float
     * range, uniform in [−20, 20], and uniform over [−105, −85] where {@code e^{−x}} overflows in fp32.
     */
    private static float[] wideRange(RandomArrays rnd, int n, int kind) {
        float[] x = new float[n];
        float[] logUniform = rnd.logUniform(n, Float.MIN_VALUE, Float.MAX_VALUE);
        float[] moderate = rnd.uniform(n, -20, 20);
        float[] tail = rnd.uniform(n, -105, -85);
        for (int i = 0; i < n; i++) {
            double pick = rnd.nextDouble(0, 1);
            x[i] = pick < 0.4 ? logUniform[i] : pick < 0.8 ? moderate[i] : tail[i];
        }
        for (int i = 0; i < Math.min(n, SPECIALS.length); i++) {
            x[i] = n >= SPECIALS.length ? SPECIALS[i] : SPECIALS[rnd.nextInt(0, SPECIALS.length - 1)];
        }
        if (kind == Activations.IDENTITY || kind == Activations.RELU) {
            x[n - 1] = Float.NEGATIVE_INFINITY;
        }
        return x;
    }

    /**
     * {@code |f(x)| + |x·f'(x)|}: the error of computing f(x(1+δ))(1+δ') for small δ, δ'. The derivative is a
     * float64 central difference, far more accurate than the bound needs.
     */
    private static double conditionedScale(int kind, double x) {
        if (Double.isInfinite(x) || x == 0) {
            return 0;
        }
        double h = 1e-7 * Math.abs(x);
        double slope = (ActivationReference.apply(kind, x + h) - ActivationReference.apply(kind, x - h)) / (2 * h);
        return Math.abs(ActivationReference.apply(kind, x)) + Math.abs(x * slope);
    }
}

package dev.squall.tasks.testing;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Central finite differences of a float64 function: the independent check of the float64 gradient references
 * that the backward kernels are compared with. With step {@code h·max(1, |x_i|)} the difference is off by about
 * {@code h²·f'''} (truncation) plus {@code 1e-16·|f|/h} (rounding): at {@code h = 1e-5} near {@code 1e-10} of the
 * function's scale, far below the fp32 bounds of the kernel tests.
 */
public final class FiniteDifferences {
    /** A scalar function of a vector, e.g. {@code Σ dOut·f(x)} for a forward {@code f}. */
    @FunctionalInterface
    public interface Function {
        /** The value at {@code x}; must not keep or modify {@code x}. */
        double apply(double[] x);
    }

    private FiniteDifferences() {
    }

    /** The central-difference gradient of {@code f} at {@code x} ({@code x} is restored afterwards). */
    public static double[] gradient(Function f, double[] x, double h) {
        double[] g = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double saved = x[i];
            double step = h * Math.max(1, Math.abs(saved));
            x[i] = saved + step;
            double plus = f.apply(x);
            x[i] = saved - step;
            double minus = f.apply(x);
            x[i] = saved;
            g[i] = (plus - minus) / (2 * step);
        }
        return g;
    }

    /**
     * Fails unless {@code |analytic_i − differences_i| ≤ rel·(|analytic_i| + max_j |analytic_j|)} for every element:
     * relative to the element, with a floor at the gradient's largest magnitude for elements near zero.
     */
    public static void assertMatches(Subject subject, double[] analytic, double[] differences, double rel) {
        if (analytic.length != differences.length) {
            fail(subject + ": lengths differ: " + analytic.length + " vs " + differences.length);
        }
        double max = 0;
        for (double a : analytic) {
            max = Math.max(max, Math.abs(a));
        }
        for (int i = 0; i < analytic.length; i++) {
            double bound = rel * (Math.abs(analytic[i]) + max);
            if (!(Math.abs(analytic[i] - differences[i]) <= bound)) {
                fail(subject + ": float64 gradient at " + subject.where(i) + " is " + analytic[i]
                        + ", central differences give " + differences[i] + " (bound " + bound + ")");
            }
        }
    }
}

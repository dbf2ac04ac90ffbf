package dev.squall.tasks.testing;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * An error bound for comparing a float result with a float64 reference: element {@code i} passes when
 * {@code |got[i] − ref[i]| ≤ rel · scale[i] + absFloor}. The test states {@code scale[i]}: {@code |ref[i]|}
 * for element-wise operations, {@code Σ_k |a_ik||b_kj|} for a sum of products (the classic error bound of
 * floating-point summation is proportional to it, not to the possibly cancelled {@code |ref|}), and so on.
 * The floor only absorbs results in the subnormal range, where fp32 has no relative precision.
 *
 * <p>NaN in the result always fails; an infinite result passes only where the reference is the same infinity.
 * With {@code -Dsquall.tolerance.report=true} every check prints how much of its bound it used, which is how
 * the bounds of the kernel tests were judged.
 *
 * @param rel      relative bound, applied to the stated scale
 * @param absFloor absolute slack added to every bound
 */
public record Tolerance(double rel, double absFloor) {
    /** The fp32 bound: {@code 1e-5} relative to the stated scale, floor at the smallest normal float. */
    public static final Tolerance FP32 = relative(1e-5);

    private static final boolean REPORT = Boolean.getBoolean("squall.tolerance.report");

    /** A bound of {@code rel} relative to the stated scale, with the floor at {@link Float#MIN_NORMAL}. */
    public static Tolerance relative(double rel) {
        return new Tolerance(rel, Float.MIN_NORMAL);
    }

    /**
     * Checks {@code got} against {@code ref} element by element (arrays of equal length) and fails with the
     * subject, index, values, bound and seed of the first element out of bounds.
     *
     * @return the largest {@code |got − ref| / bound} seen (at most 1), to report how tight the bound is
     */
    public double assertClose(Subject subject, float[] got, double[] ref, double[] scale) {
        if (got.length != ref.length || scale.length != ref.length) {
            fail(subject + ": lengths differ: got " + got.length + ", ref " + ref.length + ", scale " + scale.length);
        }
        double worst = 0;
        for (int i = 0; i < got.length; i++) {
            double g = got[i];
            double r = ref[i];
            if (Double.isNaN(r)) {
                fail(subject + ": broken reference (NaN) at " + subject.where(i));
            }
            if (Double.isInfinite(r) || Double.isInfinite(g) || Double.isNaN(g)) {
                if (g != r) {
                    fail(message(subject, i, got[i], r, Double.NaN, scale[i]));
                }
                continue;
            }
            if (!(scale[i] >= 0) || Double.isInfinite(scale[i])) {
                fail(subject + ": broken scale " + scale[i] + " at " + subject.where(i));
            }
            double bound = rel * scale[i] + absFloor;
            double err = Math.abs(g - r);
            if (err > bound) {
                fail(message(subject, i, got[i], r, bound, scale[i]));
            }
            worst = Math.max(worst, err / bound);
        }
        if (REPORT) {
            System.out.printf("tolerance: %.3g of bound used by %s%n", worst, subject);
        }
        return worst;
    }

    private String message(Subject subject, int i, float got, double ref, double bound, double scale) {
        return subject + ": at " + subject.where(i) + " got " + got + " expected " + ref
                + " (|diff| " + Math.abs(got - ref) + " > bound " + bound + " = " + rel + " * scale " + scale
                + " + " + absFloor + ")";
    }

    /** {@code |ref[i]|} for every element: the scale of element-wise operations. */
    public static double[] absOf(double[] ref) {
        double[] scale = new double[ref.length];
        for (int i = 0; i < ref.length; i++) {
            scale[i] = Double.isInfinite(ref[i]) ? 0 : Math.abs(ref[i]);
        }
        return scale;
    }
}

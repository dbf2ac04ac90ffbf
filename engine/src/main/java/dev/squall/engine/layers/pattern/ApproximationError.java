package dev.squall.engine.layers.pattern;

/**
 * How far an approximate attention output is from the exact one.
 *
 * @param relativeFrobenius {@code ‖approx − exact‖_F / ‖exact‖_F} (0 when both are zero)
 * @param maxAbs            largest {@code |approx − exact|} of any element
 */
public record ApproximationError(double relativeFrobenius, double maxAbs) {

    /** The error of {@code approx} against {@code exact} (same length), in float64. */
    public static ApproximationError of(float[] approx, float[] exact) {
        if (approx.length != exact.length) {
            throw new IllegalArgumentException("outputs differ in length: " + approx.length + " vs " + exact.length);
        }
        double diff = 0;
        double norm = 0;
        double max = 0;
        for (int i = 0; i < exact.length; i++) {
            double d = (double) approx[i] - exact[i];
            diff += d * d;
            norm += (double) exact[i] * exact[i];
            max = Math.max(max, Math.abs(d));
        }
        return new ApproximationError(norm == 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm), max);
    }
}

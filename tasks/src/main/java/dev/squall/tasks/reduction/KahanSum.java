package dev.squall.tasks.reduction;

/**
 * Compensated (Kahan) summation in fp32 for the long sequential sums of the reductions (a loss over all
 * tokens, a squared norm over all parameters): the error stays near one rounding of the total instead of
 * growing with the number of terms, without fp64, which not every device has. The state is a kernel's small
 * local array: {@code acc[at]} the sum, {@code acc[at + 1]} the running compensation. Exact arithmetic is
 * required: TornadoVM runs with FMA contraction and fast-math off ({@code tornado-config/squall.argfile}).
 */
public final class KahanSum {
    /** Floats of state per sum. */
    public static final int STATE = 2;

    private KahanSum() {
    }

    /** Starts an empty sum in {@code acc[at ..]}. */
    public static void clear(float[] acc, int at) {
        acc[at] = 0f;
        acc[at + 1] = 0f;
    }

    /** Adds {@code value} to the sum in {@code acc[at ..]}. */
    public static void add(float[] acc, int at, float value) {
        float y = value - acc[at + 1];
        float t = acc[at] + y;
        acc[at + 1] = (t - acc[at]) - y;
        acc[at] = t;
    }
}

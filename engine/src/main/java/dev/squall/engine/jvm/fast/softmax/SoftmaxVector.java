package dev.squall.engine.jvm.fast.softmax;

import dev.squall.engine.jvm.FastPath;
import dev.squall.engine.jvm.FastPathFor;
import dev.squall.engine.jvm.fast.math.SoftmaxRows;
import dev.squall.tasks.softmax.Softmax;

/** Fast path of {@link Softmax#softmax}: vector maximum, vector exponentials and sum, vector scaling. */
@FastPathFor(Softmax.class)
public final class SoftmaxVector implements FastPath {
    /** For {@link java.util.ServiceLoader}, which only reads the class: never called. */
    public SoftmaxVector() {
    }

    /** Fast {@link Softmax#softmax}. */
    public static void softmax(float[] x, float[] out, int cols, int rowOffset, int rowCount) {
        for (int r = 0; r < rowCount; r++) {
            int base = (rowOffset + r) * cols;
            float max = SoftmaxRows.max(x, base, cols);
            if (max == Float.NEGATIVE_INFINITY) {
                java.util.Arrays.fill(out, base, base + cols, 0f);
                continue;
            }
            float sum = SoftmaxRows.expShifted(x, base, out, base, cols, max);
            SoftmaxRows.scale(out, base, cols, 1f / sum);
        }
    }
}

package dev.squall.tasks.elementwise;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;

/** Element-wise row kernels used by unfused graphs: residual add and bias add. */
public final class Elementwise {
    private Elementwise() {
    }

    /** {@code out[row, c] = a[row, c] + b[row, c]}. */
    public static void add(float[] a, float[] b, @Out float[] out, int cols, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int base = (rowOffset + r) * cols;
            for (int c = 0; c < cols; c++) {
                out[base + c] = a[base + c] + b[base + c];
            }
        }
    }

    /** {@code out[row, c] = x[row, c] + bias[c]}. */
    public static void addBias(float[] x, float[] bias, @Out float[] out, int cols, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int base = (rowOffset + r) * cols;
            for (int c = 0; c < cols; c++) {
                out[base + c] = x[base + c] + bias[c];
            }
        }
    }
}

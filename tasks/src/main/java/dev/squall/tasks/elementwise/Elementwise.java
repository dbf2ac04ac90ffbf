package dev.squall.tasks.elementwise;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;

/**
 * Element-wise row kernels used by unfused graphs: residual add and bias add; and those of training graphs:
 * gradient accumulation (the backward of a residual add or of a tensor used twice), filling (zeroing
 * gradients), and the column sums that are a bias's gradient.
 */
public final class Elementwise {
    /** Columns per parallel row of the column-parallel kernels ({@link #addColumnSums} and its kin). */
    public static final int COLUMN_PANEL = 32;

    private Elementwise() {
    }

    /** Parallel rows of a column-parallel kernel over {@code cols} columns: panels of {@link #COLUMN_PANEL}. */
    public static int columnPanels(int cols) {
        return (cols + COLUMN_PANEL - 1) / COLUMN_PANEL;
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

    /**
     * {@code dst[row, c] += src[row, c]}: accumulates a gradient, e.g. the residual branch's into the residual
     * stream's (the backward of a residual add), or a micro-batch's into the step's.
     */
    public static void accumulate(float[] src, @Out float[] dst, int cols, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int base = (rowOffset + r) * cols;
            for (int c = 0; c < cols; c++) {
                dst[base + c] += src[base + c];
            }
        }
    }

    /** {@code x[row, c] = value}: clears gradients before a step accumulates into them (graphs hold only tasks). */
    public static void fill(@Out float[] x, int cols, float value, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int base = (rowOffset + r) * cols;
            for (int c = 0; c < cols; c++) {
                x[base + c] = value;
            }
        }
    }

    /**
     * {@code sums[c] += Σ_i x[i, c]} over the {@code n} rows of {@code x}: the gradient of a bias from the
     * gradient of its output. Parallel rows are panels of {@link #COLUMN_PANEL} columns (pass
     * {@link #columnPanels}{@code (cols)}); each column is summed in ascending row order onto its stored
     * value, whatever the split.
     */
    public static void addColumnSums(float[] x, @Out float[] sums, int n, int cols, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int c0 = (rowOffset + r) * COLUMN_PANEL;
            int c1 = Math.min(c0 + COLUMN_PANEL, cols);
            for (int i = 0; i < n; i++) {
                for (int c = c0; c < c1; c++) {
                    sums[c] += x[i * cols + c];
                }
            }
        }
    }
}

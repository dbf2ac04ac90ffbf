package dev.squall.tasks.softmax;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;

/** Numerically stable softmax over rows, and its backward. */
public final class Softmax {
    private Softmax() {
    }

    /**
     * {@code out[row, :] = softmax(x[row, :])}, subtracting the row maximum before exponentiating. A row
     * whose entries are all −∞ (fully masked) yields zeros rather than NaN.
     */
    public static void softmax(float[] x, @Out float[] out, int cols, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            softmaxRow(x, out, (rowOffset + r) * cols, cols);
        }
    }

    /** Softmax of {@code x[base .. base+cols)} into the same positions of {@code out}. */
    public static void softmaxRow(float[] x, float[] out, int base, int cols) {
        float max = Float.NEGATIVE_INFINITY;
        for (int c = 0; c < cols; c++) {
            max = Math.max(max, x[base + c]);
        }
        if (max == Float.NEGATIVE_INFINITY) {
            for (int c = 0; c < cols; c++) {
                out[base + c] = 0f;
            }
            return;
        }
        float sum = 0f;
        for (int c = 0; c < cols; c++) {
            float e = (float) Math.exp(x[base + c] - max);
            out[base + c] = e;
            sum += e;
        }
        float inv = 1f / sum;
        for (int c = 0; c < cols; c++) {
            out[base + c] *= inv;
        }
    }

    /**
     * Backward of {@link #softmax} from its output: {@code dx[row, c] = p[row, c]·(dp[row, c] − Σ_j p[row, j]·dp[row, j])},
     * where {@code p} is the softmax output and {@code dp} the gradient with respect to it. A masked entry
     * ({@code p = 0}) gets a zero gradient.
     */
    public static void softmaxBackward(float[] p, float[] dp, @Out float[] dx, int cols, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int base = (rowOffset + r) * cols;
            float dot = 0f;
            for (int c = 0; c < cols; c++) {
                dot += p[base + c] * dp[base + c];
            }
            for (int c = 0; c < cols; c++) {
                dx[base + c] = p[base + c] * (dp[base + c] - dot);
            }
        }
    }
}

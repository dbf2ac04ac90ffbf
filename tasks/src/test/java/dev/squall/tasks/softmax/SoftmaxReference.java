package dev.squall.tasks.softmax;

/** Float64 reference of the row softmax, with the kernels' convention that a row of only −∞ gives zeros. */
public final class SoftmaxReference {
    private SoftmaxReference() {
    }

    /** Softmax of each of the {@code rows} rows of {@code cols} values in {@code x}. */
    public static double[] softmax(float[] x, int rows, int cols) {
        double[] p = new double[rows * cols];
        for (int r = 0; r < rows; r++) {
            softmaxRow(x, r * cols, cols, p);
        }
        return p;
    }

    /** Softmax of {@code x[base .. base+cols)} into the same positions of {@code p}. */
    public static void softmaxRow(float[] x, int base, int cols, double[] p) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < cols; c++) {
            max = Math.max(max, x[base + c]);
        }
        if (max == Double.NEGATIVE_INFINITY) {
            return; // fully masked: zeros
        }
        double sum = 0;
        for (int c = 0; c < cols; c++) {
            sum += Math.exp(x[base + c] - max);
        }
        for (int c = 0; c < cols; c++) {
            p[base + c] = Math.exp(x[base + c] - max) / sum;
        }
    }
}

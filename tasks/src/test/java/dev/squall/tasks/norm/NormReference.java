package dev.squall.tasks.norm;

/** Float64 references of the normalisations in {@link Norms}. */
public final class NormReference {
    private NormReference() {
    }

    /**
     * The normalised values {@code (x − mean) / sqrt(var + eps)} of each row (biased variance), before
     * gamma and beta; {@code x} holds {@code rows × cols} values.
     */
    public static double[] standardize(double[] x, int rows, int cols, double eps) {
        double[] y = new double[rows * cols];
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            double mean = 0;
            for (int c = 0; c < cols; c++) {
                mean += x[base + c];
            }
            mean /= cols;
            double var = 0;
            for (int c = 0; c < cols; c++) {
                var += (x[base + c] - mean) * (x[base + c] - mean);
            }
            double inv = 1 / Math.sqrt(var / cols + eps);
            for (int c = 0; c < cols; c++) {
                y[base + c] = (x[base + c] - mean) * inv;
            }
        }
        return y;
    }

    /** {@code y · gamma[c] + beta[c]} for standardised rows {@code y} (see {@link #standardize}). */
    public static double[] affine(double[] y, float[] gamma, float[] beta, int rows, int cols) {
        double[] out = new double[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[r * cols + c] = y[r * cols + c] * gamma[c] + beta[c];
            }
        }
        return out;
    }

    /** RMSNorm: {@code x / sqrt(mean(x²) + eps) · gamma} per row. */
    public static double[] rmsNorm(float[] x, float[] gamma, int rows, int cols, double eps) {
        double[] out = new double[rows * cols];
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            double squares = 0;
            for (int c = 0; c < cols; c++) {
                squares += (double) x[base + c] * x[base + c];
            }
            double inv = 1 / Math.sqrt(squares / cols + eps);
            for (int c = 0; c < cols; c++) {
                out[base + c] = x[base + c] * inv * gamma[c];
            }
        }
        return out;
    }

    /** The float values of {@code x} as doubles. */
    public static double[] toDouble(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }
}

package dev.squall.tasks.norm;

/**
 * Float64 reference of PRepBN, written from the definitions: per-channel batch statistics over the kept rows,
 * {@code RepBN = γ·(x − μ)/√(var + eps) + β + α·x}, the mixture {@code λ·LN + (1 − λ)·RepBN}, and its analytic
 * gradient (checked against finite differences in {@link BatchNormsTest}).
 */
final class PrepBnReference {
    /** The inputs of one mixture, all float64. */
    record Inputs(double[] x, boolean[] keep, double[] lnGamma, double[] lnBeta, double[] gamma, double[] beta,
                  double alpha, double lambda, int rows, int cols, double eps) {
        Inputs withX(double[] v) {
            return new Inputs(v, keep, lnGamma, lnBeta, gamma, beta, alpha, lambda, rows, cols, eps);
        }

        Inputs withGamma(double[] v) {
            return new Inputs(x, keep, lnGamma, lnBeta, v, beta, alpha, lambda, rows, cols, eps);
        }

        Inputs withBeta(double[] v) {
            return new Inputs(x, keep, lnGamma, lnBeta, gamma, v, alpha, lambda, rows, cols, eps);
        }

        Inputs withAlpha(double v) {
            return new Inputs(x, keep, lnGamma, lnBeta, gamma, beta, v, lambda, rows, cols, eps);
        }

        Inputs withLn(double[] g, double[] b) {
            return new Inputs(x, keep, g, b, gamma, beta, alpha, lambda, rows, cols, eps);
        }
    }

    /** Per channel: mean, biased variance, kept rows, {@code 1/σ}. */
    record Stats(double[] mean, double[] var, int kept, double[] inv) {
    }

    /** The gradients of {@code Σ dOut·mixture}. */
    record Gradients(double[] dx, double[] dGamma, double[] dBeta, double dAlpha, double[] dLnGamma,
                     double[] dLnBeta, double[] xHat) {
    }

    private PrepBnReference() {
    }

    static Stats stats(double[] x, boolean[] keep, int rows, int cols, double eps) {
        double[] mean = new double[cols];
        double[] var = new double[cols];
        double[] inv = new double[cols];
        int kept = 0;
        for (int i = 0; i < rows; i++) {
            kept += keep[i] ? 1 : 0;
        }
        for (int c = 0; c < cols; c++) {
            for (int i = 0; i < rows; i++) {
                mean[c] += keep[i] ? x[i * cols + c] : 0;
            }
            mean[c] /= Math.max(kept, 1);
            for (int i = 0; i < rows; i++) {
                double d = x[i * cols + c] - mean[c];
                var[c] += keep[i] ? d * d : 0;
            }
            var[c] /= Math.max(kept, 1);
            inv[c] = 1 / Math.sqrt(var[c] + eps);
        }
        return new Stats(mean, var, kept, inv);
    }

    /** {@code x̂} of every element with the batch statistics. */
    static double[] xHat(double[] x, Stats s, int rows, int cols) {
        double[] h = new double[rows * cols];
        for (int i = 0; i < rows * cols; i++) {
            int c = i % cols;
            h[i] = (x[i] - s.mean[c]) * s.inv[c];
        }
        return h;
    }

    /** The mixture with batch statistics. */
    static double[] forward(Inputs in) {
        Stats s = stats(in.x, in.keep, in.rows, in.cols, in.eps);
        double[] h = xHat(in.x, s, in.rows, in.cols);
        double[] ln = NormReference.standardize(in.x, in.rows, in.cols, in.eps);
        double[] out = new double[in.x.length];
        for (int i = 0; i < out.length; i++) {
            int c = i % in.cols;
            double rep = in.gamma[c] * h[i] + in.beta[c] + in.alpha * in.x[i];
            out[i] = in.lambda * (ln[i] * in.lnGamma[c] + in.lnBeta[c]) + (1 - in.lambda) * rep;
        }
        return out;
    }

    /** {@code Σ dOut·forward(in)}. */
    static double loss(Inputs in, float[] dOut) {
        double[] y = forward(in);
        double sum = 0;
        for (int i = 0; i < y.length; i++) {
            sum += dOut[i] * y[i];
        }
        return sum;
    }

    /** The analytic gradients of {@link #loss} (derivation in docs/prepbn.md). */
    static Gradients gradients(Inputs in, float[] dOut) {
        int rows = in.rows;
        int cols = in.cols;
        Stats s = stats(in.x, in.keep, rows, cols, in.eps);
        double[] h = xHat(in.x, s, rows, cols);
        double[] dx = new double[rows * cols];
        double[] dGamma = new double[cols];
        double[] dBeta = new double[cols];
        double dAlpha = 0;
        for (int i = 0; i < rows * cols; i++) {
            int c = i % cols;
            double g = (1 - in.lambda) * dOut[i];
            dBeta[c] += g;
            dGamma[c] += g * h[i];
            dAlpha += g * in.x[i];
        }
        for (int i = 0; i < rows * cols; i++) {
            int c = i % cols;
            int row = i / cols;
            double g = (1 - in.lambda) * dOut[i];
            double centred = in.keep[row] ? g - dBeta[c] / s.kept - h[i] * dGamma[c] / s.kept : g;
            dx[i] = in.gamma[c] * s.inv[c] * centred + in.alpha * g;
        }
        float[] lnOut = new float[dOut.length];
        float[] lnGamma = new float[cols];
        for (int i = 0; i < dOut.length; i++) {
            lnOut[i] = dOut[i];
        }
        for (int c = 0; c < cols; c++) {
            lnGamma[c] = (float) in.lnGamma[c];
        }
        LayerNormGradReference ln = LayerNormGradReference.of(toFloat(in.x), lnGamma, lnOut, new float[rows * cols],
                new float[cols], new float[cols], rows, cols, in.eps);
        double[] dLnGamma = new double[cols];
        double[] dLnBeta = new double[cols];
        for (int i = 0; i < dx.length; i++) {
            dx[i] += in.lambda * ln.dx()[i];
        }
        for (int c = 0; c < cols; c++) {
            dLnGamma[c] = in.lambda * ln.dGamma()[c];
            dLnBeta[c] = in.lambda * ln.dBeta()[c];
        }
        return new Gradients(dx, dGamma, dBeta, dAlpha, dLnGamma, dLnBeta, h);
    }

    private static float[] toFloat(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            f[i] = (float) a[i];
            if (f[i] != a[i]) {
                throw new IllegalArgumentException("the LayerNorm reference takes float inputs");
            }
        }
        return f;
    }
}

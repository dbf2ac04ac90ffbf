package dev.squall.tasks.norm;

/**
 * Float64 LayerNorm gradients of {@code loss = Σ dOut·LayerNorm(x)} (biased variance, eps inside the root),
 * accumulated onto given initial values as the kernels accumulate, with the error scale of every element:
 * {@code (|g_c| + mean|g| + (|x̂_c| + 1)·mean(|g|·(|x̂| + 1)))/σ} for {@code dx} (each term's rounding, and an error
 * of x̂ of the order of its rounding relative to the row's spread, the forward's bound),
 * {@code Σ_i |dOut|·(|x̂| + 1)} for {@code dγ}, {@code Σ_i |dOut|} for {@code dβ}, each plus {@code |initial|}.
 *
 * @param dx         {@code [rows, cols]}: initial + gradient
 * @param dxScale    its error scale
 * @param dGamma     {@code [cols]}: initial + gradient
 * @param gammaScale its error scale
 * @param dBeta      {@code [cols]}: initial + gradient
 * @param betaScale  its error scale
 * @param xHat       the standardised inputs
 * @param inv        {@code 1/σ} per row
 */
public record LayerNormGradReference(double[] dx, double[] dxScale, double[] dGamma, double[] gammaScale,
                                     double[] dBeta, double[] betaScale, double[] xHat, double[] inv) {

    /** The gradients for {@code x}, {@code gamma}, {@code dOut} onto {@code dxStart}, {@code dGammaStart}, {@code dBetaStart}. */
    public static LayerNormGradReference of(float[] x, float[] gamma, float[] dOut, float[] dxStart, float[] dGammaStart,
                                            float[] dBetaStart, int rows, int cols, double eps) {
        double[] xHat = NormReference.standardize(NormReference.toDouble(x), rows, cols, eps);
        double[] dx = new double[rows * cols];
        double[] dxScale = new double[rows * cols];
        double[] dGamma = new double[cols];
        double[] dBeta = new double[cols];
        double[] gammaScale = new double[cols];
        double[] betaScale = new double[cols];
        double[] inv = new double[rows];
        for (int r = 0; r < rows; r++) {
            double mean = 0;
            for (int c = 0; c < cols; c++) {
                mean += x[r * cols + c];
            }
            mean /= cols;
            double var = 0;
            for (int c = 0; c < cols; c++) {
                var += (x[r * cols + c] - mean) * (x[r * cols + c] - mean);
            }
            inv[r] = 1 / Math.sqrt(var / cols + eps);
            double gMean = 0;
            double gxMean = 0;
            double gAbs = 0;
            double gxAbs = 0;
            for (int c = 0; c < cols; c++) {
                int i = r * cols + c;
                double g = (double) dOut[i] * gamma[c];
                gMean += g / cols;
                gxMean += g * xHat[i] / cols;
                gAbs += Math.abs(g) / cols;
                gxAbs += Math.abs(g) * (Math.abs(xHat[i]) + 1) / cols;
                dGamma[c] += dOut[i] * xHat[i];
                dBeta[c] += dOut[i];
                gammaScale[c] += Math.abs(dOut[i]) * (Math.abs(xHat[i]) + 1);
                betaScale[c] += Math.abs(dOut[i]);
            }
            for (int c = 0; c < cols; c++) {
                int i = r * cols + c;
                double g = (double) dOut[i] * gamma[c];
                dx[i] = dxStart[i] + inv[r] * (g - gMean - xHat[i] * gxMean);
                dxScale[i] = Math.abs(dxStart[i]) + inv[r] * (Math.abs(g) + gAbs + (Math.abs(xHat[i]) + 1) * gxAbs);
            }
        }
        for (int c = 0; c < cols; c++) {
            dGamma[c] += dGammaStart[c];
            dBeta[c] += dBetaStart[c];
            gammaScale[c] += Math.abs(dGammaStart[c]);
            betaScale[c] += Math.abs(dBetaStart[c]);
        }
        return new LayerNormGradReference(dx, dxScale, dGamma, gammaScale, dBeta, betaScale, xHat, inv);
    }
}

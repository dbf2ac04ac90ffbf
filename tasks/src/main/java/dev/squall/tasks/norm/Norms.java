package dev.squall.tasks.norm;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;

/** Normalisation over the last dimension: LayerNorm, RMSNorm, and residual-add fused with LayerNorm. */
public final class Norms {
    private Norms() {
    }

    /**
     * LayerNorm: {@code out = (x − mean) / sqrt(var + eps) · gamma + beta} per row of {@code cols} values,
     * with the biased variance as PyTorch uses. See {@link #normalizeRow} for how it stays accurate on
     * rows with a large mean.
     */
    public static void layerNorm(float[] x, float[] gamma, float[] beta, @Out float[] out, int cols, float eps,
                                 int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            normalizeRow(x, gamma, beta, out, (rowOffset + r) * cols, cols, eps);
        }
    }

    /**
     * Residual add fused with LayerNorm in one pass over the row: {@code sum = x + residual} is written
     * (the residual stream the next layer needs) and {@code out = LayerNorm(sum)}.
     */
    public static void addLayerNorm(float[] x, float[] residual, float[] gamma, float[] beta, @Out float[] sum,
                                    @Out float[] out, int cols, float eps, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int base = (rowOffset + r) * cols;
            for (int c = 0; c < cols; c++) {
                sum[base + c] = x[base + c] + residual[base + c];
            }
            normalizeRow(sum, gamma, beta, out, base, cols, eps);
        }
    }

    /** RMSNorm: {@code out = x / sqrt(mean(x²) + eps) · gamma} per row. */
    public static void rmsNorm(float[] x, float[] gamma, @Out float[] out, int cols, float eps,
                               int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int base = (rowOffset + r) * cols;
            float squares = 0f;
            for (int c = 0; c < cols; c++) {
                squares += x[base + c] * x[base + c];
            }
            float inv = 1f / (float) Math.sqrt(squares / cols + eps);
            for (int c = 0; c < cols; c++) {
                out[base + c] = x[base + c] * inv * gamma[c];
            }
        }
    }

    /**
     * LayerNorm of {@code x[base .. base+cols)} into the same positions of {@code out}. The mean is taken
     * twice: the plain fp32 sum of a row on a large common offset (1e4 + small noise) is off by many ulps of
     * the offset, a large fraction of the row's spread, so the mean of the residuals {@code x − mean}, which
     * are exact there, corrects it (corrected two-pass algorithm); a constant row then gives exactly
     * {@code beta}. The variance is taken of the corrected deviations.
     */
    public static void normalizeRow(float[] x, float[] gamma, float[] beta, float[] out, int base, int cols,
                                    float eps) {
        float mean = 0f;
        for (int c = 0; c < cols; c++) {
            mean += x[base + c];
        }
        mean /= cols;
        float correction = 0f;
        for (int c = 0; c < cols; c++) {
            correction += x[base + c] - mean;
        }
        correction /= cols;
        float var = 0f;
        for (int c = 0; c < cols; c++) {
            float dev = (x[base + c] - mean) - correction;
            var += dev * dev;
        }
        float inv = 1f / (float) Math.sqrt(var / cols + eps);
        for (int c = 0; c < cols; c++) {
            out[base + c] = ((x[base + c] - mean) - correction) * inv * gamma[c] + beta[c];
        }
    }
}

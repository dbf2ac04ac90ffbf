package dev.squall.tasks.norm;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;
import dev.squall.tasks.elementwise.Elementwise;

/**
 * Normalisation over the last dimension: LayerNorm, RMSNorm, and residual-add fused with LayerNorm; and the
 * LayerNorm backward ({@link #layerNormBackward}, then {@link #layerNormParamsBackward}).
 */
public final class Norms {
    /** Floats per row of the statistics {@link #layerNormBackward} writes: mean, correction, 1/std. */
    public static final int STATS = 3;

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
     * LayerNorm backward, input gradient: {@code dx[row, :] += (g − mean(g) − x̂·mean(g·x̂)) / σ} with
     * {@code g = dOut·gamma}, where {@code x̂} and {@code 1/σ} are recomputed from {@code x} exactly as
     * {@link #layerNorm} computes them (the forward saves nothing but its input). {@code dx} is accumulated,
     * so the residual stream's gradient can be its target; zero it first for a plain gradient. Also writes
     * each row's statistics to {@code stats[row·STATS ..]} (mean, correction, 1/σ; see
     * {@link #normalizeRow}) for {@link #layerNormParamsBackward}.
     */
    public static void layerNormBackward(float[] x, float[] gamma, float[] dOut, @Out float[] dx, @Out float[] stats,
                                         int cols, float eps, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int row = rowOffset + r;
            int base = row * cols;
            float mean = rowMean(x, base, cols);
            float correction = rowCorrection(x, base, cols, mean);
            float inv = rowInverseStd(x, base, cols, mean, correction, eps);
            stats[row * STATS] = mean;
            stats[row * STATS + 1] = correction;
            stats[row * STATS + 2] = inv;
            float gSum = 0f;
            float gxSum = 0f;
            for (int c = 0; c < cols; c++) {
                float g = dOut[base + c] * gamma[c];
                gSum += g;
                gxSum += g * (((x[base + c] - mean) - correction) * inv);
            }
            float gMean = gSum / cols;
            float gxMean = gxSum / cols;
            for (int c = 0; c < cols; c++) {
                float xHat = ((x[base + c] - mean) - correction) * inv;
                dx[base + c] += (dOut[base + c] * gamma[c] - gMean - xHat * gxMean) * inv;
            }
        }
    }

    /**
     * LayerNorm backward, parameter gradients: {@code dGamma[c] += Σ_i dOut[i, c]·x̂[i, c]} and
     * {@code dBeta[c] += Σ_i dOut[i, c]} over the {@code n} rows of {@code x}, with {@code x̂} from the
     * statistics {@link #layerNormBackward} wrote. Parallel rows are panels of
     * {@link Elementwise#COLUMN_PANEL} columns (pass {@link Elementwise#columnPanels}{@code (cols)}); every
     * column is summed over rows in ascending order onto its stored value, so no split of the work changes a
     * bit of the sums.
     */
    public static void layerNormParamsBackward(float[] x, float[] stats, float[] dOut, @Out float[] dGamma,
                                               @Out float[] dBeta, int n, int cols, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int c0 = (rowOffset + r) * Elementwise.COLUMN_PANEL;
            int c1 = Math.min(c0 + Elementwise.COLUMN_PANEL, cols);
            for (int i = 0; i < n; i++) {
                float mean = stats[i * STATS];
                float correction = stats[i * STATS + 1];
                float inv = stats[i * STATS + 2];
                int base = i * cols;
                for (int c = c0; c < c1; c++) {
                    float xHat = ((x[base + c] - mean) - correction) * inv;
                    dGamma[c] += dOut[base + c] * xHat;
                    dBeta[c] += dOut[base + c];
                }
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
        float mean = rowMean(x, base, cols);
        float correction = rowCorrection(x, base, cols, mean);
        float inv = rowInverseStd(x, base, cols, mean, correction, eps);
        for (int c = 0; c < cols; c++) {
            out[base + c] = ((x[base + c] - mean) - correction) * inv * gamma[c] + beta[c];
        }
    }

    /** Plain fp32 mean of {@code x[base .. base+cols)}: the first pass of {@link #normalizeRow}. */
    public static float rowMean(float[] x, int base, int cols) {
        float mean = 0f;
        for (int c = 0; c < cols; c++) {
            mean += x[base + c];
        }
        return mean / cols;
    }

    /** Mean of the residuals {@code x − mean}: the correction of the second pass of {@link #normalizeRow}. */
    public static float rowCorrection(float[] x, int base, int cols, float mean) {
        float correction = 0f;
        for (int c = 0; c < cols; c++) {
            correction += x[base + c] - mean;
        }
        return correction / cols;
    }

    /** {@code 1 / sqrt(var + eps)} of the corrected deviations {@code (x − mean) − correction}. */
    public static float rowInverseStd(float[] x, int base, int cols, float mean, float correction, float eps) {
        float var = 0f;
        for (int c = 0; c < cols; c++) {
            float dev = (x[base + c] - mean) - correction;
            var += dev * dev;
        }
        return 1f / (float) Math.sqrt(var / cols + eps);
    }
}

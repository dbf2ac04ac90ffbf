package dev.squall.tasks.norm;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;
import dev.squall.tasks.elementwise.Elementwise;
import dev.squall.tasks.reduction.KahanSum;

/**
 * BatchNorm over the tokens of a batch, per channel, for SLAB's progressive re-parameterised BatchNorm (PRepBN):
 * {@code RepBN(x) = BN(x) + α·x} with a learnable scalar {@code α}, and the training-time mixture
 * {@code λ·LayerNorm(x) + (1 − λ)·RepBN(x)}. The input is {@code x [n, cols]} (the {@code B·T} tokens of a batch as
 * rows, as {@code nn.BatchNorm1d} sees {@code x.transpose(1, 2)}); {@code keep[i] ≠ 0} marks the rows that take
 * part in the statistics (padding rows of a packed batch do not).
 *
 * <p>Each channel's statistics live in {@code stats[c·STATS ..]}: mean, correction, {@code 1/σ}, biased variance
 * and the number of rows kept; {@code x̂ = ((x − mean) − correction)·(1/σ)} as in {@link Norms#normalizeRow}.
 * {@link #batchStats} computes them from a batch (training), {@link #runningStats} from the running mean and
 * variance (inference), so one forward kernel ({@link #repBn}, {@link #prepBn}) serves both. Column reductions are
 * parallel over panels of {@link Elementwise#COLUMN_PANEL} columns; each column is summed over the rows in
 * ascending order with compensated summation, so no thread split changes a bit and the error does not grow with
 * the number of tokens. Backward (training mode, statistics depending on the input): {@link #repBnReduce},
 * {@link #repBnBackward}, {@link #repBnParamsBackward}, and for the mixture {@link #layerNormShare} feeding
 * {@link Norms#layerNormBackward}.
 */
public final class BatchNorms {
    /** Floats of statistics per channel: mean, correction, 1/σ, biased variance, rows kept. */
    public static final int STATS = 5;

    private BatchNorms() {
    }

    /**
     * Batch statistics of each column over the {@code n} rows of {@code x} with {@code keep[i] ≠ 0}: the mean by
     * the corrected two-pass algorithm, the biased variance of the corrected deviations, {@code 1/√(var + eps)}.
     * With no row kept every statistic is 0 but {@code 1/σ = 1/√eps}. Parallel rows: column panels
     * ({@link Elementwise#columnPanels}).
     */
    public static void batchStats(float[] x, int[] keep, @Out float[] stats, int n, int cols, float eps,
                                  int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int c0 = (rowOffset + r) * Elementwise.COLUMN_PANEL;
            int c1 = Math.min(c0 + Elementwise.COLUMN_PANEL, cols);
            float[] acc = new float[Elementwise.COLUMN_PANEL * KahanSum.STATE];
            int kept = 0;
            for (int i = 0; i < n; i++) {
                kept += keep[i] != 0 ? 1 : 0;
            }
            float count = Math.max(kept, 1);
            // pass 1: plain mean
            columnSums(x, keep, stats, acc, n, cols, c0, c1, 0);
            for (int c = c0; c < c1; c++) {
                stats[c * STATS] = acc[(c - c0) * KahanSum.STATE] / count;
            }
            // pass 2: mean of the residuals (the correction)
            columnSums(x, keep, stats, acc, n, cols, c0, c1, 1);
            for (int c = c0; c < c1; c++) {
                stats[c * STATS + 1] = acc[(c - c0) * KahanSum.STATE] / count;
            }
            // pass 3: biased variance of the corrected deviations
            columnSums(x, keep, stats, acc, n, cols, c0, c1, 2);
            for (int c = c0; c < c1; c++) {
                float var = acc[(c - c0) * KahanSum.STATE] / count;
                stats[c * STATS + 2] = 1f / (float) Math.sqrt(var + eps);
                stats[c * STATS + 3] = var;
                stats[c * STATS + 4] = kept;
            }
        }
    }

    /**
     * Column sums of the kept rows for {@link #batchStats} into {@code acc}: of {@code x} ({@code power} 0), of the
     * deviations {@code x − mean} (1) or of the squared corrected deviations (2), the mean and correction read from
     * {@code stats}.
     */
    public static void columnSums(float[] x, int[] keep, float[] stats, float[] acc, int n, int cols, int c0, int c1,
                                  int power) {
        for (int c = c0; c < c1; c++) {
            KahanSum.clear(acc, (c - c0) * KahanSum.STATE);
        }
        for (int i = 0; i < n; i++) {
            if (keep[i] != 0) {
                int base = i * cols;
                for (int c = c0; c < c1; c++) {
                    float v = x[base + c];
                    if (power > 0) {
                        v = v - stats[c * STATS];
                    }
                    if (power > 1) {
                        v = v - stats[c * STATS + 1];
                        v = v * v;
                    }
                    KahanSum.add(acc, (c - c0) * KahanSum.STATE, v);
                }
            }
        }
    }

    /**
     * Inference statistics from the running mean and variance: mean {@code runningMean[c]}, correction 0,
     * {@code 1/√(runningVar[c] + eps)}, variance {@code runningVar[c]}, 0 rows. Parallel rows: channels.
     */
    public static void runningStats(float[] runningMean, float[] runningVar, @Out float[] stats, int cols, float eps,
                                    int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int c = rowOffset + r;
            stats[c * STATS] = runningMean[c];
            stats[c * STATS + 1] = 0f;
            stats[c * STATS + 2] = 1f / (float) Math.sqrt(runningVar[c] + eps);
            stats[c * STATS + 3] = runningVar[c];
            stats[c * STATS + 4] = 0f;
        }
    }

    /**
     * PyTorch's running-statistics update from batch statistics: {@code runningMean = (1 − m)·runningMean +
     * m·mean}, {@code runningVar = (1 − m)·runningVar + m·var·k/(k − 1)} (the unbiased variance of the {@code k}
     * rows kept; the biased one when {@code k ≤ 1}). Parallel rows: channels.
     */
    public static void updateRunning(float[] stats, @Out float[] runningMean, @Out float[] runningVar, float momentum,
                                     int cols, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int c = rowOffset + r;
            float kept = stats[c * STATS + 4];
            float mean = stats[c * STATS] + stats[c * STATS + 1];
            float var = stats[c * STATS + 3];
            float unbiased = kept > 1f ? var * (kept / (kept - 1f)) : var;
            runningMean[c] = (1f - momentum) * runningMean[c] + momentum * mean;
            runningVar[c] = (1f - momentum) * runningVar[c] + momentum * unbiased;
        }
    }

    /**
     * RepBN: {@code out = x̂·gamma + beta + alpha[0]·x} per row of {@code cols}, {@code x̂} from {@code stats}
     * (batch or running). Parallel rows: tokens.
     */
    public static void repBn(float[] x, float[] stats, float[] gamma, float[] beta, float[] alpha, @Out float[] out,
                             int cols, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int base = (rowOffset + r) * cols;
            float a = alpha[0];
            for (int c = 0; c < cols; c++) {
                out[base + c] = repBnValue(x[base + c], stats, gamma, beta, a, c);
            }
        }
    }

    /** {@code x̂·gamma[c] + beta[c] + alpha·x} of one value of channel {@code c}. */
    public static float repBnValue(float x, float[] stats, float[] gamma, float[] beta, float alpha, int c) {
        float xHat = ((x - stats[c * STATS]) - stats[c * STATS + 1]) * stats[c * STATS + 2];
        return xHat * gamma[c] + beta[c] + alpha * x;
    }

    /**
     * The PRepBN mixture {@code out = λ·LayerNorm(x; lnGamma, lnBeta) + (1 − λ)·RepBN(x)} with
     * {@code λ = lambda[0]} (an array, so one compiled graph serves every step of the schedule), the LayerNorm
     * over each row as {@link Norms#layerNorm} with {@code eps}, the RepBN as {@link #repBn}. Parallel rows: tokens.
     */
    public static void prepBn(float[] x, float[] lnGamma, float[] lnBeta, float[] stats, float[] gamma, float[] beta,
                              float[] alpha, float[] lambda, @Out float[] out, int cols, float eps, int rowOffset,
                              int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int base = (rowOffset + r) * cols;
            float l = lambda[0];
            float a = alpha[0];
            Norms.normalizeRow(x, lnGamma, lnBeta, out, base, cols, eps);
            for (int c = 0; c < cols; c++) {
                out[base + c] = l * out[base + c] + (1f - l) * repBnValue(x[base + c], stats, gamma, beta, a, c);
            }
        }
    }

    /**
     * First step of the RepBN backward (training mode) with the output gradient {@code w·dOut},
     * {@code w = 1 − lambda[0]} (pass {@code {0}} for plain RepBN, the schedule's λ for the mixture): per column
     * {@code sums[2c] = Σ_i w·dOut[i, c]} and {@code sums[2c + 1] = Σ_i w·dOut[i, c]·x̂[i, c]} over all {@code n}
     * rows, and per panel {@code alphaPartials[p] = Σ w·dOut·x} over its columns. Parallel rows: column panels.
     */
    public static void repBnReduce(float[] x, float[] stats, float[] dOut, float[] lambda, @Out float[] sums,
                                   @Out float[] alphaPartials, int n, int cols, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int panel = rowOffset + r;
            int c0 = panel * Elementwise.COLUMN_PANEL;
            int c1 = Math.min(c0 + Elementwise.COLUMN_PANEL, cols);
            float w = 1f - lambda[0];
            float[] acc = new float[Elementwise.COLUMN_PANEL * 2 * KahanSum.STATE + KahanSum.STATE];
            int alphaAt = Elementwise.COLUMN_PANEL * 2 * KahanSum.STATE;
            for (int k = 0; k <= alphaAt; k += KahanSum.STATE) {
                KahanSum.clear(acc, k);
            }
            for (int i = 0; i < n; i++) {
                int base = i * cols;
                for (int c = c0; c < c1; c++) {
                    float g = w * dOut[base + c];
                    float xHat = ((x[base + c] - stats[c * STATS]) - stats[c * STATS + 1]) * stats[c * STATS + 2];
                    int at = (c - c0) * 2 * KahanSum.STATE;
                    KahanSum.add(acc, at, g);
                    KahanSum.add(acc, at + KahanSum.STATE, g * xHat);
                    KahanSum.add(acc, alphaAt, g * x[base + c]);
                }
            }
            for (int c = c0; c < c1; c++) {
                int at = (c - c0) * 2 * KahanSum.STATE;
                sums[2 * c] = acc[at];
                sums[2 * c + 1] = acc[at + KahanSum.STATE];
            }
            alphaPartials[panel] = acc[alphaAt];
        }
    }

    /**
     * RepBN input gradient (training mode), accumulated: with {@code g = w·dOut} ({@code w = 1 − lambda[0]}),
     * {@code k} rows kept and the sums of {@link #repBnReduce}, a kept row gets
     * {@code dx += gamma·(1/σ)·(g − sums[2c]/k − x̂·sums[2c+1]/k) + α·g}; a row not kept (its output computed but
     * not part of the statistics) {@code dx += gamma·(1/σ)·g + α·g}. Parallel rows: tokens.
     */
    public static void repBnBackward(float[] x, float[] stats, float[] gamma, float[] alpha, int[] keep, float[] sums,
                                     float[] dOut, float[] lambda, @Out float[] dx, int cols, int rowOffset,
                                     int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int row = rowOffset + r;
            int base = row * cols;
            float w = 1f - lambda[0];
            float a = alpha[0];
            boolean kept = keep[row] != 0;
            for (int c = 0; c < cols; c++) {
                float g = w * dOut[base + c];
                float inv = stats[c * STATS + 2];
                float centred = g;
                if (kept) {
                    float k = stats[c * STATS + 4];
                    float xHat = ((x[base + c] - stats[c * STATS]) - stats[c * STATS + 1]) * inv;
                    centred = g - sums[2 * c] / k - xHat * (sums[2 * c + 1] / k);
                }
                dx[base + c] += gamma[c] * inv * centred + a * g;
            }
        }
    }

    /**
     * RepBN parameter gradients, accumulated: {@code dGamma[c] += sums[2c + 1]}, {@code dBeta[c] += sums[2c]} and,
     * by the first panel, {@code dAlpha[0] += Σ_p alphaPartials[p]} over the {@code panels} partials in order.
     * Parallel rows: column panels.
     */
    public static void repBnParamsBackward(float[] sums, float[] alphaPartials, @Out float[] dGamma,
                                           @Out float[] dBeta, @Out float[] dAlpha, int cols, int panels,
                                           int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int panel = rowOffset + r;
            int c0 = panel * Elementwise.COLUMN_PANEL;
            int c1 = Math.min(c0 + Elementwise.COLUMN_PANEL, cols);
            for (int c = c0; c < c1; c++) {
                dGamma[c] += sums[2 * c + 1];
                dBeta[c] += sums[2 * c];
            }
            float[] acc = new float[KahanSum.STATE];
            if (panel == 0) {
                KahanSum.clear(acc, 0);
                for (int p = 0; p < panels; p++) {
                    KahanSum.add(acc, 0, alphaPartials[p]);
                }
                dAlpha[0] += acc[0];
            }
        }
    }

    /**
     * The LayerNorm branch's share of the mixture's output gradient: {@code out = lambda[0]·dOut}, to feed
     * {@link Norms#layerNormBackward} and {@link Norms#layerNormParamsBackward}. Parallel rows: tokens.
     */
    public static void layerNormShare(float[] dOut, float[] lambda, @Out float[] out, int cols, int rowOffset,
                                      int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int base = (rowOffset + r) * cols;
            float l = lambda[0];
            for (int c = 0; c < cols; c++) {
                out[base + c] = l * dOut[base + c];
            }
        }
    }
}

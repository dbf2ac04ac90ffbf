package dev.squall.tasks.quant;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;
import dev.squall.tasks.gemm.Gemm;
import dev.squall.tasks.precision.Rounding;

/**
 * int8 × int8 GEMM with dynamic activation quantisation, as LLM.int8() (Dettmers et al., 2022) does it: each
 * activation row is quantised to int8 with its own absmax scale when it arrives, the products are summed in
 * integers, and the sum is scaled once by the row's and the weight row's scales. The weight is int8 with one
 * scale per output row ({@link Int8Weights} with {@code groupSize = k}).
 *
 * <p>Outlier variant: input columns where any activation has {@code |x| > threshold} ({@link #outlierColumns})
 * are left out of the activation quantisation (they would inflate every row's scale) and multiplied in fp32
 * with the dequantised weight instead ({@link #gemmWithOutliers}). LLM.int8 keeps those weight columns in
 * fp16; here the weight stays int8 in both parts, the outliers are kept in full precision on the activation
 * side, where they arise. Without outliers the flags are all zero and {@link #gemm} skips the fp32 part.
 *
 * <p>Definitions: {@code s_x[i] = max_{p not outlier} |x[i,p]| / 127}, {@code q_x[i,p] = roundf(x[i,p] / s_x[i])}
 * (ties away from zero, computed as {@code x·(1/s)} in fp32), 0 at outlier columns and for an all-zero row;
 * {@code y[i,j] = act(s_x[i]·s_w[j]·Σ_p q_x q_w + s_w[j]·Σ_{p outlier} x[i,p]·q_w[j,p] (+ bias[j]))}. The
 * integer sum is exact for {@code k <= 133,143} ({@code 127²·k < 2³¹}).
 */
public final class Int8Activations {
    private Int8Activations() {
    }

    /** Parallel rows are the {@code k} columns: {@code flags[p] = 1} where some {@code |x[i, p]| > threshold}, else 0. */
    public static void outlierColumns(float[] x, @Out int[] flags, int m, int k, float threshold, int rowOffset,
                                      int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int p = rowOffset + r;
            int outlier = 0;
            for (int i = 0; i < m; i++) {
                outlier = Math.abs(x[i * k + p]) > threshold ? 1 : outlier;
            }
            flags[p] = outlier;
        }
    }

    /**
     * Parallel rows are the {@code m} activation rows: {@code qx[i, :]} and {@code sx[i]} as defined above,
     * ignoring the columns flagged in {@code flags}.
     */
    public static void quantizeRows(float[] x, int[] flags, @Out byte[] qx, @Out float[] sx, int k, int rowOffset,
                                    int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int i = rowOffset + r;
            float amax = 0f;
            for (int p = 0; p < k; p++) {
                amax = flags[p] == 0 ? Math.max(amax, Math.abs(x[i * k + p])) : amax;
            }
            float s = amax / 127f;
            float inv = s != 0f ? 1f / s : 0f;
            for (int p = 0; p < k; p++) {
                qx[i * k + p] = (byte) (flags[p] == 0 ? Rounding.halfAway(x[i * k + p] * inv) : 0);
            }
            sx[i] = s;
        }
    }

    /**
     * {@code y[m, n] = act(s_x[i]·s_w[j]·Σ_p qx[i,p]·qw[j,p] (+ bias))}, the sum in {@code int}; parallel rows
     * are the {@code n} output features.
     */
    public static void gemm(byte[] qx, float[] sx, byte[] qw, float[] sw, float[] bias, @Out float[] y, int m, int n,
                            int k, int hasBias, int activation, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int j = rowOffset + r;
            for (@Parallel int i = 0; i < m; i++) {
                float acc = integerDot(qx, i * k, qw, j * k, k) * (sx[i] * sw[j]);
                y[i * n + j] = Gemm.epilogue(acc, bias, j, hasBias, activation);
            }
        }
    }

    /**
     * {@link #gemm} plus the fp32 products of the outlier columns: {@code s_w[j]·Σ_{flags[p] ≠ 0} x[i,p]·qw[j,p]}.
     */
    public static void gemmWithOutliers(byte[] qx, float[] sx, float[] x, int[] flags, byte[] qw, float[] sw,
                                        float[] bias, @Out float[] y, int m, int n, int k, int hasBias, int activation,
                                        int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int j = rowOffset + r;
            for (@Parallel int i = 0; i < m; i++) {
                float outliers = 0f;
                for (int p = 0; p < k; p++) {
                    outliers += flags[p] != 0 ? x[i * k + p] * qw[j * k + p] : 0f;
                }
                float acc = integerDot(qx, i * k, qw, j * k, k) * (sx[i] * sw[j]) + outliers * sw[j];
                y[i * n + j] = Gemm.epilogue(acc, bias, j, hasBias, activation);
            }
        }
    }

    /**
     * {@code Σ_p a[aBase + p]·b[bBase + p]} over {@code p < k}, in exact integer arithmetic: each product of two
     * int8 values is formed in float (exact: at most {@code 127² < 2²⁴}) and summed in {@code int}. Not as
     * {@code a[p] * b[p]}: TornadoVM 5.2 keeps the {@code char} type of a loaded byte through integer
     * arithmetic, so its OpenCL code computes that product in 8 bits; a conversion to float is emitted right.
     */
    public static int integerDot(byte[] a, int aBase, byte[] b, int bBase, int k) {
        int acc = 0;
        for (int p = 0; p < k; p++) {
            acc += (int) (a[aBase + p] * (float) b[bBase + p]);
        }
        return acc;
    }
}

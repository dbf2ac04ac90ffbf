package dev.squall.engine.jvm.fast.norm;

import dev.squall.engine.jvm.FastPath;
import dev.squall.engine.jvm.FastPathFor;
import dev.squall.engine.jvm.fast.math.VectorMath;
import dev.squall.tasks.elementwise.Elementwise;
import dev.squall.tasks.norm.Norms;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Fast paths of {@link Norms}: the same algorithms (LayerNorm's corrected two-pass mean, RMSNorm), with
 * the row sums taken in vector lanes and the normalisation applied a vector at a time.
 */
@FastPathFor(Norms.class)
public final class NormsVector implements FastPath {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    /** For {@link java.util.ServiceLoader}, which only reads the class: never called. */
    public NormsVector() {
    }

    /** Fast {@link Norms#layerNorm}. */
    public static void layerNorm(float[] x, float[] gamma, float[] beta, float[] out, int cols, float eps,
                                 int rowOffset, int rowCount) {
        for (int r = 0; r < rowCount; r++) {
            normalizeRow(x, gamma, beta, out, (rowOffset + r) * cols, cols, eps);
        }
    }

    /** Fast {@link Norms#addLayerNorm}. */
    public static void addLayerNorm(float[] x, float[] residual, float[] gamma, float[] beta, float[] sum,
                                    float[] out, int cols, float eps, int rowOffset, int rowCount) {
        for (int r = 0; r < rowCount; r++) {
            int base = (rowOffset + r) * cols;
            int c = 0;
            for (; c + L <= cols; c += L) {
                FloatVector.fromArray(S, x, base + c).add(FloatVector.fromArray(S, residual, base + c))
                        .intoArray(sum, base + c);
            }
            for (; c < cols; c++) {
                sum[base + c] = x[base + c] + residual[base + c];
            }
            normalizeRow(sum, gamma, beta, out, base, cols, eps);
        }
    }

    /** Fast {@link Norms#rmsNorm}. */
    public static void rmsNorm(float[] x, float[] gamma, float[] out, int cols, float eps, int rowOffset,
                               int rowCount) {
        for (int r = 0; r < rowCount; r++) {
            int base = (rowOffset + r) * cols;
            float squares = sumOfSquares(x, base, cols, 0f, 0f);
            float inv = 1f / (float) Math.sqrt(squares / cols + eps);
            int c = 0;
            for (; c + L <= cols; c += L) {
                FloatVector.fromArray(S, x, base + c).mul(inv).mul(FloatVector.fromArray(S, gamma, c))
                        .intoArray(out, base + c);
            }
            for (; c < cols; c++) {
                out[base + c] = x[base + c] * inv * gamma[c];
            }
        }
    }

    /**
     * Fast {@link Norms#layerNormBackward}: the row statistics as {@link #layerNorm} computes them (so that
     * {@code x̂} is this fast path's forward's), the two row sums in vector lanes, then a vector pass.
     */
    public static void layerNormBackward(float[] x, float[] gamma, float[] dOut, float[] dx, float[] stats, int cols,
                                         float eps, int rowOffset, int rowCount) {
        for (int r = 0; r < rowCount; r++) {
            int row = rowOffset + r;
            int base = row * cols;
            float mean = sumOf(x, base, cols, 0f) / cols;
            float correction = sumOf(x, base, cols, mean) / cols;
            float inv = 1f / (float) Math.sqrt(sumOfSquares(x, base, cols, mean, correction) / cols + eps);
            stats[row * Norms.STATS] = mean;
            stats[row * Norms.STATS + 1] = correction;
            stats[row * Norms.STATS + 2] = inv;
            FloatVector gAcc = FloatVector.zero(S);
            FloatVector gxAcc = FloatVector.zero(S);
            int c = 0;
            for (; c + L <= cols; c += L) {
                FloatVector g = FloatVector.fromArray(S, dOut, base + c).mul(FloatVector.fromArray(S, gamma, c));
                gAcc = gAcc.add(g);
                gxAcc = g.fma(normalized(x, base + c, mean, correction, inv), gxAcc);
            }
            float gSum = VectorMath.sum(gAcc);
            float gxSum = VectorMath.sum(gxAcc);
            for (; c < cols; c++) {
                float g = dOut[base + c] * gamma[c];
                gSum += g;
                gxSum = Math.fma(g, ((x[base + c] - mean) - correction) * inv, gxSum);
            }
            float gMean = gSum / cols;
            float gxMean = gxSum / cols;
            for (c = 0; c + L <= cols; c += L) {
                FloatVector g = FloatVector.fromArray(S, dOut, base + c).mul(FloatVector.fromArray(S, gamma, c));
                g.sub(gMean).sub(normalized(x, base + c, mean, correction, inv).mul(gxMean)).mul(inv)
                        .add(FloatVector.fromArray(S, dx, base + c)).intoArray(dx, base + c);
            }
            for (; c < cols; c++) {
                float xHat = ((x[base + c] - mean) - correction) * inv;
                dx[base + c] += (dOut[base + c] * gamma[c] - gMean - xHat * gxMean) * inv;
            }
        }
    }

    /**
     * Fast {@link Norms#layerNormParamsBackward}: the panel's columns in vector lanes, each summed over the rows in
     * ascending order onto its stored value with the plain kernel's operations (a product, then a sum), so its
     * bits are the plain kernel's.
     */
    public static void layerNormParamsBackward(float[] x, float[] stats, float[] dOut, float[] dGamma, float[] dBeta,
                                               int n, int cols, int rowOffset, int rowCount) {
        int c0 = Math.min(cols, rowOffset * Elementwise.COLUMN_PANEL);
        int c1 = Math.min(cols, (rowOffset + rowCount) * Elementwise.COLUMN_PANEL);
        int c = c0;
        for (; c + L <= c1; c += L) {
            FloatVector gamma = FloatVector.fromArray(S, dGamma, c);
            FloatVector beta = FloatVector.fromArray(S, dBeta, c);
            for (int i = 0; i < n; i++) {
                int at = i * cols + c;
                FloatVector d = FloatVector.fromArray(S, dOut, at);
                FloatVector xHat = normalized(x, at, stats[i * Norms.STATS], stats[i * Norms.STATS + 1],
                        stats[i * Norms.STATS + 2]);
                gamma = gamma.add(d.mul(xHat));
                beta = beta.add(d);
            }
            gamma.intoArray(dGamma, c);
            beta.intoArray(dBeta, c);
        }
        for (int i = 0; c < c1 && i < n; i++) {
            float mean = stats[i * Norms.STATS];
            float correction = stats[i * Norms.STATS + 1];
            float inv = stats[i * Norms.STATS + 2];
            for (int t = c; t < c1; t++) {
                float d = dOut[i * cols + t];
                dGamma[t] += d * (((x[i * cols + t] - mean) - correction) * inv);
                dBeta[t] += d;
            }
        }
    }

    /** {@code ((x − mean) − correction)·inv} of the vector at {@code x[at]}: {@code x̂} as the plain kernels round it. */
    private static FloatVector normalized(float[] x, int at, float mean, float correction, float inv) {
        return FloatVector.fromArray(S, x, at).sub(mean).sub(correction).mul(inv);
    }

    /** As {@link Norms#normalizeRow}: mean, mean of the residuals as a correction, variance of the deviations. */
    private static void normalizeRow(float[] x, float[] gamma, float[] beta, float[] out, int base, int cols,
                                     float eps) {
        float mean = sumOf(x, base, cols, 0f) / cols;
        float correction = sumOf(x, base, cols, mean) / cols;
        float var = sumOfSquares(x, base, cols, mean, correction);
        float inv = 1f / (float) Math.sqrt(var / cols + eps);
        int c = 0;
        for (; c + L <= cols; c += L) {
            FloatVector.fromArray(S, x, base + c).sub(mean).sub(correction).mul(inv)
                    .fma(FloatVector.fromArray(S, gamma, c), FloatVector.fromArray(S, beta, c))
                    .intoArray(out, base + c);
        }
        for (; c < cols; c++) {
            out[base + c] = Math.fma(((x[base + c] - mean) - correction) * inv, gamma[c], beta[c]);
        }
    }

    /** {@code Σ (x − shift)} over the row. */
    private static float sumOf(float[] x, int base, int cols, float shift) {
        FloatVector acc = FloatVector.zero(S);
        int c = 0;
        for (; c + L <= cols; c += L) {
            acc = acc.add(FloatVector.fromArray(S, x, base + c).sub(shift));
        }
        float s = VectorMath.sum(acc);
        for (; c < cols; c++) {
            s += x[base + c] - shift;
        }
        return s;
    }

    /**
     * {@code Σ ((x − mean) − correction)²} over the row, subtracting in two steps as the plain kernel does: a
     * large mean plus a small correction would round the correction away.
     */
    private static float sumOfSquares(float[] x, int base, int cols, float mean, float correction) {
        FloatVector acc = FloatVector.zero(S);
        int c = 0;
        for (; c + L <= cols; c += L) {
            FloatVector dev = FloatVector.fromArray(S, x, base + c).sub(mean).sub(correction);
            acc = dev.fma(dev, acc);
        }
        float s = VectorMath.sum(acc);
        for (; c < cols; c++) {
            float dev = (x[base + c] - mean) - correction;
            s = Math.fma(dev, dev, s);
        }
        return s;
    }
}

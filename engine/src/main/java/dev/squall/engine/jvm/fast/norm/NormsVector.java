package dev.squall.engine.jvm.fast.norm;

import dev.squall.engine.jvm.FastPath;
import dev.squall.engine.jvm.FastPathFor;
import dev.squall.engine.jvm.fast.math.VectorMath;
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

package dev.squall.engine.jvm.fast.quant;

import dev.squall.engine.jvm.FastPath;
import dev.squall.engine.jvm.FastPathFor;
import dev.squall.engine.jvm.fast.driver.RowGemmDriver;
import dev.squall.tasks.quant.Int8Activations;

/**
 * Fast paths of the int8 × int8 GEMMs of {@link Int8Activations}. The GEMV without outliers sums in integer lanes
 * ({@link Int8Gemv}). Otherwise the activations are rebuilt as floats
 * ({@code s_x[i]·q_x[i, p]}, or {@code x[i, p]} in an outlier column) and multiplied with the int8 weight through
 * {@link Int8WeightsVector} (scale per row), i.e. the products are summed in fp32 rather than in {@code int}:
 * the result equals the plain kernels' within the fp32 bound of the GEMM tests (exactly while the partial sums
 * stay below 2²⁴, as fp32 represents every integer up to that), and the SIMD float pipeline has no int8 dot
 * product instruction on the AVX2 machines this targets.
 */
@FastPathFor(Int8Activations.class)
public final class Int8ActivationsVector implements FastPath {
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[1][0]);

    /** For {@link java.util.ServiceLoader}, which only reads the class: never called. */
    public Int8ActivationsVector() {
    }

    /** As {@link Int8Activations#gemm}: the GEMV in integer lanes ({@link Int8Gemv}), the GEMM as above. */
    public static void gemm(byte[] qx, float[] sx, byte[] qw, float[] sw, float[] bias, float[] y, int m, int n, int k,
                            int hasBias, int activation, int rowOffset, int rowCount) {
        if (m < RowGemmDriver.MIN_ROWS && Int8Gemv.run(qx, sx, qw, sw, bias, y, m, n, k, hasBias, activation,
                rowOffset, rowOffset + rowCount)) {
            return;
        }
        float[] xs = activations(qx, sx, null, null, m, k);
        Int8WeightsVector.gemm(xs, qw, sw, bias, y, m, n, k, k, hasBias, activation, rowOffset, rowCount);
    }

    /** As {@link Int8Activations#gemmWithOutliers}. */
    public static void gemmWithOutliers(byte[] qx, float[] sx, float[] x, int[] flags, byte[] qw, float[] sw,
                                        float[] bias, float[] y, int m, int n, int k, int hasBias, int activation,
                                        int rowOffset, int rowCount) {
        float[] xs = activations(qx, sx, x, flags, m, k);
        Int8WeightsVector.gemm(xs, qw, sw, bias, y, m, n, k, k, hasBias, activation, rowOffset, rowCount);
    }

    /** {@code s_x[i]·q_x[i, p]}, with {@code x[i, p]} where {@code flags[p] != 0} (when flags are given). */
    static float[] activations(byte[] qx, float[] sx, float[] x, int[] flags, int m, int k) {
        float[][] holder = SCRATCH.get();
        if (holder[0].length < m * k) {
            holder[0] = new float[m * k];
        }
        float[] xs = holder[0];
        for (int i = 0; i < m; i++) {
            float s = sx[i];
            for (int p = 0; p < k; p++) {
                xs[i * k + p] = flags != null && flags[p] != 0 ? x[i * k + p] : qx[i * k + p] * s;
            }
        }
        return xs;
    }
}

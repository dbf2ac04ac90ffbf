package dev.squall.engine.jvm.fast;

import dev.squall.engine.jvm.FastPathFor;
import dev.squall.tasks.quant.Int8Weights;
import jdk.incubator.vector.FloatVector;

import static dev.squall.engine.jvm.fast.QuantLanes.F;
import static dev.squall.engine.jvm.fast.QuantLanes.L;

/**
 * Fast path of {@link Int8Weights#gemm}: per group, int8 weights widened in registers and multiplied with the
 * activations (four accumulators), the group sum scaled once; blocked GEMM through {@link RowGemmDriver}.
 */
@FastPathFor(Int8Weights.class)
public final class Int8WeightsVector {
    private Int8WeightsVector() {
    }

    /** As {@link Int8Weights#gemm}. */
    public static void gemm(float[] x, byte[] q, float[] scales, float[] bias, float[] y, int m, int n, int k,
                            int groupSize, int hasBias, int activation, int rowOffset, int rowCount) {
        int groups = (k + groupSize - 1) / groupSize;
        RowGemmDriver.run(x, (xb, j) -> dot(x, xb, q, scales, j, k, groupSize, groups),
                (row, p0, p1, dst, off) -> decode(q, scales, row, k, groupSize, groups, p0, p1, dst, off),
                bias, y, m, n, k, hasBias, activation, rowOffset, rowCount);
    }

    static float dot(float[] x, int xb, byte[] q, float[] scales, int row, int k, int groupSize, int groups) {
        FloatVector acc = FloatVector.zero(F);
        float tail = 0f;
        for (int g = 0; g < groups; g++) {
            int p0 = g * groupSize;
            int len = Math.min(groupSize, k - p0);
            int c = RowDots.covered(len);
            float scale = scales[row * groups + g];
            acc = RowDots.int8(x, xb + p0, q, row * k + p0, c).fma(FloatVector.broadcast(F, scale), acc);
            float s = 0f;
            for (int p = p0 + c; p < p0 + len; p++) {
                s += x[xb + p] * q[row * k + p];
            }
            tail += s * scale;
        }
        return QuantLanes.sum(acc) + tail;
    }

    static void decode(byte[] q, float[] scales, int row, int k, int groupSize, int groups, int p0, int p1,
                       float[] dst, int off) {
        int p = p0;
        while (p < p1) {
            int g = p / groupSize;
            int end = Math.min(p1, (g + 1) * groupSize);
            float scale = scales[row * groups + g];
            FloatVector s = FloatVector.broadcast(F, scale);
            for (; p + L <= end; p += L) {
                QuantLanes.bytes(q, row * k + p).mul(s).intoArray(dst, off + p - p0);
            }
            for (; p < end; p++) {
                dst[off + p - p0] = q[row * k + p] * scale;
            }
        }
    }
}

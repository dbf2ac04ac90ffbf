package dev.squall.engine.jvm.fast.quant;

import dev.squall.engine.jvm.FastPath;
import dev.squall.engine.jvm.FastPathFor;
import dev.squall.engine.jvm.fast.driver.RowGemmDriver;
import dev.squall.engine.jvm.fast.lanes.QuantLanes;
import dev.squall.engine.jvm.fast.lanes.RowDots;
import dev.squall.tasks.quant.Int8Weights;
import jdk.incubator.vector.FloatVector;

import static dev.squall.engine.jvm.fast.lanes.QuantLanes.F;
import static dev.squall.engine.jvm.fast.lanes.QuantLanes.L;

/**
 * Fast path of {@link Int8Weights#gemm}: per group, int8 weights widened in registers and multiplied with the
 * activations, the group sum scaled once (GEMV); blocked GEMM through {@link RowGemmDriver}.
 */
@FastPathFor(Int8Weights.class)
public final class Int8WeightsVector implements FastPath {
    /** For {@link java.util.ServiceLoader}, which only reads the class: never called. */
    public Int8WeightsVector() {
    }

    /**
     * As {@link Int8Weights#gemm}. For a GEMV with groups of whole 32-byte chunks the activations are reordered
     * once per call ({@link QuantLanes#chunkOrder}) and each chunk's weights read in one load.
     */
    public static void gemm(float[] x, byte[] q, float[] scales, float[] bias, float[] y, int m, int n, int k,
                            int groupSize, int hasBias, int activation, int rowOffset, int rowCount) {
        int groups = (k + groupSize - 1) / groupSize;
        float[] xo = m < RowGemmDriver.MIN_ROWS && groupSize % QuantLanes.CHUNK == 0
                ? QuantLanes.chunkOrder(x, m, k) : null;
        RowGemmDriver.run(x, (xb, j) -> dot(x, xo, xb, q, scales, j, k, groupSize, groups),
                (row, p0, p1, dst, off) -> decode(q, scales, row, k, groupSize, groups, p0, p1, dst, off),
                bias, y, m, n, k, hasBias, activation, rowOffset, rowCount);
    }

    /**
     * {@code Σ_p x[xb + p]·ŵ[row, p]}: per group, its whole chunks from {@code xo} ({@link QuantLanes#chunkOrder};
     * null: none), then 8 lanes at a time from {@code x}, then one by one; the group sum scaled once.
     */
    static float dot(float[] x, float[] xo, int xb, byte[] q, float[] scales, int row, int k, int groupSize,
                     int groups) {
        FloatVector acc = FloatVector.zero(F);
        float tail = 0f;
        for (int g = 0; g < groups; g++) {
            int p0 = g * groupSize;
            int len = Math.min(groupSize, k - p0);
            int chunked = xo != null ? len - len % QuantLanes.CHUNK : 0;
            int c = chunked + RowDots.covered(len - chunked);
            float scale = scales[row * groups + g];
            FloatVector sum = RowDots.int8(x, xb + p0 + chunked, q, row * k + p0 + chunked, c - chunked);
            for (int p = p0; p < p0 + chunked; p += QuantLanes.CHUNK) {
                sum = sum.add(QuantLanes.chunkProducts(xo, xb + p, q, row * k + p));
            }
            acc = sum.fma(FloatVector.broadcast(F, scale), acc);
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

package dev.squall.engine.jvm.fast.precision;

import dev.squall.engine.jvm.FastPath;
import dev.squall.engine.jvm.FastPathFor;
import dev.squall.engine.jvm.fast.driver.RowGemmDriver;
import dev.squall.engine.jvm.fast.lanes.QuantLanes;
import dev.squall.engine.jvm.fast.lanes.RowDots;
import dev.squall.tasks.precision.DenseGemm;

/**
 * Fast paths of {@link DenseGemm}: fp32, fp16 and bf16 weights by output rows, through
 * {@link RowGemmDriver#run} (vector GEMV with the weights widened in registers, blocked GEMM).
 */
@FastPathFor(DenseGemm.class)
public final class DenseGemmVector implements FastPath {
    /** For {@link java.util.ServiceLoader}, which only reads the class: never called. */
    public DenseGemmVector() {
    }

    /** As {@link DenseGemm#gemmF32}. */
    public static void gemmF32(float[] x, float[] w, float[] bias, float[] y, int m, int n, int k, int hasBias,
                               int activation, int rowOffset, int rowCount) {
        RowGemmDriver.run(x, (xb, j) -> {
            int c = RowDots.covered(k);
            float acc = QuantLanes.sum(RowDots.fp32(x, xb, w, j * k, c));
            for (int p = c; p < k; p++) {
                acc += x[xb + p] * w[j * k + p];
            }
            return acc;
        }, (row, p0, p1, dst, off) -> System.arraycopy(w, row * k + p0, dst, off, p1 - p0),
                bias, y, m, n, k, hasBias, activation, rowOffset, rowCount);
    }

    /** As {@link DenseGemm#gemmF16}. */
    public static void gemmF16(float[] x, short[] w, float[] bias, float[] y, int m, int n, int k, int hasBias,
                               int activation, int rowOffset, int rowCount) {
        RowGemmDriver.run(x, (xb, j) -> {
            int c = RowDots.covered(k);
            float acc = QuantLanes.sum(RowDots.fp16(x, xb, w, j * k, c));
            for (int p = c; p < k; p++) {
                acc += x[xb + p] * Float.float16ToFloat(w[j * k + p]);
            }
            return acc;
        }, (row, p0, p1, dst, off) -> {
            int p = p0;
            for (; p + QuantLanes.L <= p1; p += QuantLanes.L) {
                QuantLanes.fp16(w, row * k + p).intoArray(dst, off + p - p0);
            }
            for (; p < p1; p++) {
                dst[off + p - p0] = Float.float16ToFloat(w[row * k + p]);
            }
        }, bias, y, m, n, k, hasBias, activation, rowOffset, rowCount);
    }

    /** As {@link DenseGemm#gemmBf16}. */
    public static void gemmBf16(float[] x, short[] w, float[] bias, float[] y, int m, int n, int k, int hasBias,
                                int activation, int rowOffset, int rowCount) {
        RowGemmDriver.run(x, (xb, j) -> {
            int c = RowDots.covered(k);
            float acc = QuantLanes.sum(RowDots.bf16(x, xb, w, j * k, c));
            for (int p = c; p < k; p++) {
                acc += x[xb + p] * bf16(w[j * k + p]);
            }
            return acc;
        }, (row, p0, p1, dst, off) -> {
            int p = p0;
            for (; p + QuantLanes.L <= p1; p += QuantLanes.L) {
                QuantLanes.bf16(w, row * k + p).intoArray(dst, off + p - p0);
            }
            for (; p < p1; p++) {
                dst[off + p - p0] = bf16(w[row * k + p]);
            }
        }, bias, y, m, n, k, hasBias, activation, rowOffset, rowCount);
    }

    private static float bf16(short b) {
        return Float.intBitsToFloat((b & 0xffff) << 16);
    }
}

package dev.squall.engine.jvm.fast.quant;

import dev.squall.engine.jvm.FastPath;
import dev.squall.engine.jvm.FastPathFor;
import dev.squall.engine.jvm.fast.driver.RowGemmDriver;
import dev.squall.engine.jvm.fast.lanes.QuantLanes;
import dev.squall.tasks.quant.BlockQ8;
import jdk.incubator.vector.FloatVector;

import static dev.squall.engine.jvm.fast.lanes.QuantLanes.F;
import static dev.squall.engine.jvm.fast.lanes.QuantLanes.L;

/**
 * Fast path of {@link BlockQ8#gemm}: the GEMV reads each block's 32 quants in one load and widens them by byte
 * lanes ({@link QuantLanes#chunkProducts}, activations reordered once per call), the block sum scaled by its
 * fp16 scale; the GEMM is blocked through {@link RowGemmDriver}.
 */
@FastPathFor(BlockQ8.class)
public final class BlockQ8Vector implements FastPath {
    private static final int BLOCK = BlockQ8.BLOCK;

    /** For {@link java.util.ServiceLoader}, which only reads the class: never called. */
    public BlockQ8Vector() {
    }

    /** As {@link BlockQ8#gemm}. */
    public static void gemm(float[] x, byte[] qs, short[] d, float[] bias, float[] y, int m, int n, int k,
                            int hasBias, int activation, int rowOffset, int rowCount) {
        int blocks = (k + BLOCK - 1) / BLOCK;
        float[] xo = m < RowGemmDriver.MIN_ROWS ? QuantLanes.chunkOrder(x, m, k) : null;
        RowGemmDriver.run(x, (xb, j) -> dot(x, xo, xb, qs, d, j * blocks, k),
                (row, p0, p1, dst, off) -> decode(qs, d, row * blocks, p0, p1, dst, off),
                bias, y, m, n, k, hasBias, activation, rowOffset, rowCount);
    }

    /**
     * {@code Σ_p x[xb + p]·ŵ[p]} for the row whose first block is {@code block0}: whole blocks from {@code xo}, the
     * activations in {@link QuantLanes#chunkOrder} (a Q8_0 block is one chunk), a partial last block from {@code x}.
     */
    static float dot(float[] x, float[] xo, int xb, byte[] qs, short[] d, int block0, int k) {
        int full = k / BLOCK;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < full; b++) {
            acc = QuantLanes.chunkProducts(xo, xb + b * BLOCK, qs, (block0 + b) * BLOCK).fma(scale(d, block0 + b), acc);
        }
        float sum = QuantLanes.sum(acc);
        return full * BLOCK < k ? sum + tail(x, xb, qs, d, block0 + full, full * BLOCK, k) : sum;
    }

    /** The partial last block, {@code p} from {@code p0} to {@code k}. */
    private static float tail(float[] x, int xb, byte[] qs, short[] d, int block, int p0, int k) {
        float s = 0f;
        for (int p = p0; p < k; p++) {
            s += x[xb + p] * qs[block * BLOCK + p - p0];
        }
        return s * Float.float16ToFloat(d[block]);
    }

    private static FloatVector scale(short[] d, int block) {
        return FloatVector.broadcast(F, Float.float16ToFloat(d[block]));
    }

    /** Weights {@code [p0, p1)} ({@code p0} a multiple of 32) of the row starting at {@code block0} as floats. */
    static void decode(byte[] qs, short[] d, int block0, int p0, int p1, float[] dst, int off) {
        for (int p = p0; p < p1; p += BLOCK) {
            int block = block0 + p / BLOCK;
            float scale = Float.float16ToFloat(d[block]);
            int len = Math.min(BLOCK, p1 - p);
            if (len == BLOCK) {
                FloatVector s = FloatVector.broadcast(F, scale);
                for (int t = 0; t < BLOCK; t += L) {
                    QuantLanes.bytes(qs, block * BLOCK + t).mul(s).intoArray(dst, off + p - p0 + t);
                }
            } else {
                for (int t = 0; t < len; t++) {
                    dst[off + p - p0 + t] = qs[block * BLOCK + t] * scale;
                }
            }
        }
    }
}

package dev.squall.engine.jvm.fast.quant;

import dev.squall.engine.jvm.FastPath;
import dev.squall.engine.jvm.FastPathFor;
import dev.squall.engine.jvm.fast.driver.RowGemmDriver;
import dev.squall.engine.jvm.fast.lanes.QuantLanes;
import dev.squall.tasks.quant.BlockQ4;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import static dev.squall.engine.jvm.fast.lanes.QuantLanes.F;
import static dev.squall.engine.jvm.fast.lanes.QuantLanes.L;

/**
 * Fast paths of {@link BlockQ4}. {@code gemm}: a block's 16 bytes widened 8 at a time to int lanes, whose low and high
 * nibbles, offset by −8, become four float vectors (weights 0–7 and 8–15 from the low nibbles, 16–23 and 24–31
 * from the high ones) multiplied with the activations; blocked GEMM through {@link RowGemmDriver}.
 */
@FastPathFor(BlockQ4.class)
public final class BlockQ4Vector implements FastPath {
    private static final int BLOCK = BlockQ4.BLOCK;
    private static final int BYTES = BlockQ4.BLOCK_BYTES;

    /** For {@link java.util.ServiceLoader}, which only reads the class: never called. */
    public BlockQ4Vector() {
    }

    /** As {@link BlockQ4#gemm}. */
    public static void gemm(float[] x, byte[] qs, short[] d, float[] bias, float[] y, int m, int n, int k,
                            int hasBias, int activation, int rowOffset, int rowCount) {
        int blocks = (k + BLOCK - 1) / BLOCK;
        RowGemmDriver.run(x, (xb, j) -> dot(x, xb, qs, d, j * blocks, k),
                (row, p0, p1, dst, off) -> decode(qs, d, row * blocks, p0, p1, dst, off),
                bias, y, m, n, k, hasBias, activation, rowOffset, rowCount);
    }

    /**
     * As {@link BlockQ4#gemmQ8}: the GEMV in integer lanes ({@link Q4Q8Gemv}); the GEMM with activations
     * {@code d_x·q_x} and weights decoded to fp32 through {@link RowGemmDriver}.
     */
    public static void gemmQ8(byte[] xq, short[] xd, byte[] qs, short[] d, float[] bias, float[] y, int m, int n,
                              int k, int hasBias, int activation, int rowOffset, int rowCount) {
        int blocks = (k + BLOCK - 1) / BLOCK;
        if (m >= RowGemmDriver.MIN_ROWS) {
            float[] x = Q8Activations.dequantized(xq, xd, m, k);
            RowGemmDriver.gemm(x, (row, p0, p1, dst, off) -> decode(qs, d, row * blocks, p0, p1, dst, off), bias, y,
                    m, n, k, hasBias, activation, rowOffset, rowOffset + rowCount);
            return;
        }
        Q4Q8Gemv.run(xq, xd, qs, d, bias, y, m, n, k, hasBias, activation, rowOffset, rowOffset + rowCount);
    }

    /** {@code Σ_p x[xb + p]·ŵ[p]} for the row whose first block is {@code block0}, one block per step. */
    static float dot(float[] x, int xb, byte[] qs, short[] d, int block0, int k) {
        int full = k / BLOCK;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < full; b++) {
            acc = block(x, xb + b * BLOCK, qs, (block0 + b) * BYTES).fma(scale(d, block0 + b), acc);
        }
        float sum = QuantLanes.sum(acc);
        return full * BLOCK < k ? sum + tail(x, xb, qs, d, block0 + full, full * BLOCK, k) : sum;
    }

    /** The partial last block, {@code p} from {@code p0} to {@code k}. */
    private static float tail(float[] x, int xb, byte[] qs, short[] d, int block, int p0, int k) {
        float s = 0f;
        for (int p = p0; p < k; p++) {
            s += x[xb + p] * BlockQ4.weight(qs, block, p - p0);
        }
        return s * Float.float16ToFloat(d[block]);
    }

    private static FloatVector block(float[] x, int xp, byte[] qs, int qp) {
        IntVector v = packed(qs, qp);
        IntVector w = packed(qs, qp + L);
        FloatVector s = low(v).mul(FloatVector.fromArray(F, x, xp));
        FloatVector t = low(w).mul(FloatVector.fromArray(F, x, xp + L));
        s = high(v).fma(FloatVector.fromArray(F, x, xp + 2 * L), s);
        t = high(w).fma(FloatVector.fromArray(F, x, xp + 3 * L), t);
        return s.add(t);
    }

    /** Eight packed bytes, one per int lane (sign-extended; the masks below take the nibbles). */
    private static IntVector packed(byte[] qs, int off) {
        return (IntVector) ByteVector.fromArray(QuantLanes.B8, qs, off).convertShape(VectorOperators.B2I,
                QuantLanes.I8, 0);
    }

    /** The low nibbles minus 8, as floats: weights {@code t .. t+7} of a block. */
    private static FloatVector low(IntVector packed) {
        return (FloatVector) packed.and(0xf).sub(8).convert(VectorOperators.I2F, 0);
    }

    /** The high nibbles minus 8, as floats: weights {@code t+16 .. t+23} of a block. */
    private static FloatVector high(IntVector packed) {
        return (FloatVector) packed.lanewise(VectorOperators.ASHR, 4).and(0xf).sub(8).convert(VectorOperators.I2F, 0);
    }

    private static FloatVector scale(short[] d, int block) {
        return FloatVector.broadcast(F, Float.float16ToFloat(d[block]));
    }

    static void decode(byte[] qs, short[] d, int block0, int p0, int p1, float[] dst, int off) {
        for (int p = p0; p < p1; p += BLOCK) {
            int block = block0 + p / BLOCK;
            float scale = Float.float16ToFloat(d[block]);
            int len = Math.min(BLOCK, p1 - p);
            int o = off + p - p0;
            if (len == BLOCK) {
                IntVector v = packed(qs, block * BYTES);
                IntVector w = packed(qs, block * BYTES + L);
                FloatVector s = FloatVector.broadcast(F, scale);
                low(v).mul(s).intoArray(dst, o);
                low(w).mul(s).intoArray(dst, o + L);
                high(v).mul(s).intoArray(dst, o + 2 * L);
                high(w).mul(s).intoArray(dst, o + 3 * L);
            } else {
                for (int t = 0; t < len; t++) {
                    dst[o + t] = BlockQ4.weight(qs, block, t) * scale;
                }
            }
        }
    }
}

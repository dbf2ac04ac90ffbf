package dev.squall.engine.jvm.fast;

import dev.squall.engine.jvm.FastPathFor;
import dev.squall.tasks.quant.BlockQ4;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import static dev.squall.engine.jvm.fast.QuantLanes.F;
import static dev.squall.engine.jvm.fast.QuantLanes.L;

/**
 * Fast path of {@link BlockQ4#gemm}: a block's 16 bytes split into low and high nibbles in one 128-bit
 * register, offset by −8, widened to four float vectors (weights 0–7, 8–15 from the low nibbles, 16–23, 24–31
 * from the high ones) and multiplied with the activations; blocked GEMM through {@link RowGemmDriver}.
 */
@FastPathFor(BlockQ4.class)
public final class BlockQ4Vector {
    private static final int BLOCK = BlockQ4.BLOCK;
    private static final int BYTES = BlockQ4.BLOCK_BYTES;

    private BlockQ4Vector() {
    }

    /** As {@link BlockQ4#gemm}. */
    public static void gemm(float[] x, byte[] qs, short[] d, float[] bias, float[] y, int m, int n, int k,
                            int hasBias, int activation, int rowOffset, int rowCount) {
        int blocks = (k + BLOCK - 1) / BLOCK;
        RowGemmDriver.run(x, (xb, j) -> dot(x, xb, qs, d, j * blocks, k),
                (row, p0, p1, dst, off) -> decode(qs, d, row * blocks, p0, p1, dst, off),
                bias, y, m, n, k, hasBias, activation, rowOffset, rowCount);
    }

    static float dot(float[] x, int xb, byte[] qs, short[] d, int block0, int k) {
        int full = k / BLOCK;
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        int b = 0;
        for (; b + 1 < full; b += 2) {
            acc0 = block(x, xb + b * BLOCK, qs, (block0 + b) * BYTES).fma(scale(d, block0 + b), acc0);
            acc1 = block(x, xb + (b + 1) * BLOCK, qs, (block0 + b + 1) * BYTES).fma(scale(d, block0 + b + 1), acc1);
        }
        if (b < full) {
            acc0 = block(x, xb + b * BLOCK, qs, (block0 + b) * BYTES).fma(scale(d, block0 + b), acc0);
        }
        float acc = QuantLanes.sum(acc0.add(acc1));
        if (full * BLOCK < k) {
            float s = 0f;
            for (int p = full * BLOCK; p < k; p++) {
                s += x[xb + p] * nibble(qs, block0 + full, p - full * BLOCK);
            }
            acc += s * Float.float16ToFloat(d[block0 + full]);
        }
        return acc;
    }

    private static FloatVector block(float[] x, int xp, byte[] qs, int qp) {
        ByteVector v = ByteVector.fromArray(QuantLanes.B16, qs, qp);
        ByteVector lo = v.and((byte) 0xf).sub((byte) 8);
        ByteVector hi = v.lanewise(VectorOperators.LSHR, 4).and((byte) 0xf).sub((byte) 8);
        FloatVector s = widen(lo, 0).mul(FloatVector.fromArray(F, x, xp));
        FloatVector t = widen(lo, 1).mul(FloatVector.fromArray(F, x, xp + L));
        s = widen(hi, 0).fma(FloatVector.fromArray(F, x, xp + 2 * L), s);
        t = widen(hi, 1).fma(FloatVector.fromArray(F, x, xp + 3 * L), t);
        return s.add(t);
    }

    private static FloatVector widen(ByteVector v, int part) {
        return (FloatVector) v.convertShape(VectorOperators.B2F, F, part);
    }

    private static FloatVector scale(short[] d, int block) {
        return FloatVector.broadcast(F, Float.float16ToFloat(d[block]));
    }

    /** The signed 4-bit value (nibble − 8) of weight {@code t} of a block. */
    private static int nibble(byte[] qs, int block, int t) {
        int packed = qs[block * BYTES + t % BYTES];
        return (t < BYTES ? packed & 0xf : (packed >> 4) & 0xf) - 8;
    }

    static void decode(byte[] qs, short[] d, int block0, int p0, int p1, float[] dst, int off) {
        for (int p = p0; p < p1; p += BLOCK) {
            int block = block0 + p / BLOCK;
            float scale = Float.float16ToFloat(d[block]);
            int len = Math.min(BLOCK, p1 - p);
            int o = off + p - p0;
            if (len == BLOCK) {
                ByteVector v = ByteVector.fromArray(QuantLanes.B16, qs, block * BYTES);
                ByteVector lo = v.and((byte) 0xf).sub((byte) 8);
                ByteVector hi = v.lanewise(VectorOperators.LSHR, 4).and((byte) 0xf).sub((byte) 8);
                FloatVector s = FloatVector.broadcast(F, scale);
                widen(lo, 0).mul(s).intoArray(dst, o);
                widen(lo, 1).mul(s).intoArray(dst, o + L);
                widen(hi, 0).mul(s).intoArray(dst, o + 2 * L);
                widen(hi, 1).mul(s).intoArray(dst, o + 3 * L);
            } else {
                for (int t = 0; t < len; t++) {
                    dst[o + t] = nibble(qs, block, t) * scale;
                }
            }
        }
    }
}

package dev.squall.engine.jvm.fast.quant;

import dev.squall.engine.jvm.FastPath;
import dev.squall.engine.jvm.FastPathFor;
import dev.squall.engine.jvm.fast.driver.RowGemmDriver;
import dev.squall.engine.jvm.fast.lanes.QuantLanes;
import dev.squall.tasks.quant.Binary;
import jdk.incubator.vector.FloatVector;

import static dev.squall.engine.jvm.fast.lanes.QuantLanes.F;
import static dev.squall.engine.jvm.fast.lanes.QuantLanes.L;

/**
 * Fast path of {@link Binary#gemm}: each byte of sign bits indexes a table of ±1 lanes
 * ({@link QuantLanes#SIGNS}) that multiplies the activations (exact products); the row scale multiplies the
 * sum once. Blocked GEMM through {@link RowGemmDriver}.
 */
@FastPathFor(Binary.class)
public final class BinaryVector implements FastPath {
    private static final int WORD = Binary.WORD;

    /** For {@link java.util.ServiceLoader}, which only reads the class: never called. */
    public BinaryVector() {
    }

    /** As {@link Binary#gemm}. */
    public static void gemm(float[] x, int[] bits, float[] scales, float[] bias, float[] y, int m, int n, int k,
                            int hasBias, int activation, int rowOffset, int rowCount) {
        int words = (k + WORD - 1) / WORD;
        RowGemmDriver.run(x, (xb, j) -> dot(x, xb, bits, j * words, k) * scales[j],
                (row, p0, p1, dst, off) -> decode(bits, row * words, scales[row], p0, p1, dst, off),
                bias, y, m, n, k, hasBias, activation, rowOffset, rowCount);
    }

    static float dot(float[] x, int xb, int[] bits, int word0, int k) {
        int full = k / WORD;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        for (int w = 0; w < full; w++) {
            int word = bits[word0 + w];
            int xp = xb + w * WORD;
            a0 = signs(word, 0).fma(FloatVector.fromArray(F, x, xp), a0);
            a1 = signs(word, 1).fma(FloatVector.fromArray(F, x, xp + L), a1);
            a0 = signs(word, 2).fma(FloatVector.fromArray(F, x, xp + 2 * L), a0);
            a1 = signs(word, 3).fma(FloatVector.fromArray(F, x, xp + 3 * L), a1);
        }
        float acc = QuantLanes.sum(a0.add(a1));
        if (full * WORD < k) {
            int word = bits[word0 + full];
            for (int t = 0; t < k - full * WORD; t++) {
                float v = x[xb + full * WORD + t];
                acc += ((word >>> t) & 1) != 0 ? v : -v;
            }
        }
        return acc;
    }

    private static FloatVector signs(int word, int part) {
        return FloatVector.fromArray(F, QuantLanes.SIGNS, QuantLanes.lut(word, part));
    }

    static void decode(int[] bits, int word0, float scale, int p0, int p1, float[] dst, int off) {
        FloatVector s = FloatVector.broadcast(F, scale);
        for (int p = p0; p < p1; p += WORD) {
            int word = bits[word0 + p / WORD];
            int len = Math.min(WORD, p1 - p);
            int o = off + p - p0;
            if (len == WORD) {
                for (int part = 0; part < 4; part++) {
                    signs(word, part).mul(s).intoArray(dst, o + part * L);
                }
            } else {
                for (int t = 0; t < len; t++) {
                    dst[o + t] = ((word >>> t) & 1) != 0 ? scale : -scale;
                }
            }
        }
    }
}

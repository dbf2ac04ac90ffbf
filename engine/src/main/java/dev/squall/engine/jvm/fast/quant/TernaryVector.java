package dev.squall.engine.jvm.fast.quant;

import dev.squall.engine.jvm.FastPath;
import dev.squall.engine.jvm.FastPathFor;
import dev.squall.engine.jvm.fast.driver.RowGemmDriver;
import dev.squall.engine.jvm.fast.lanes.QuantLanes;
import dev.squall.tasks.quant.Ternary;
import jdk.incubator.vector.FloatVector;

import static dev.squall.engine.jvm.fast.lanes.QuantLanes.F;
import static dev.squall.engine.jvm.fast.lanes.QuantLanes.L;

/**
 * Fast path of {@link Ternary#gemm}: each byte of the +1 and −1 planes indexes a table of 0/1 lanes
 * ({@link QuantLanes#BITS}); their difference, the ternary weights of 8 lanes, multiplies the activations
 * (products are exact: ±x or 0). The row scale multiplies the sum once. Blocked GEMM through
 * {@link RowGemmDriver}.
 */
@FastPathFor(Ternary.class)
public final class TernaryVector implements FastPath {
    private static final int WORD = Ternary.WORD;

    /** For {@link java.util.ServiceLoader}, which only reads the class: never called. */
    public TernaryVector() {
    }

    /** As {@link Ternary#gemm}. */
    public static void gemm(float[] x, int[] planes, float[] scales, float[] bias, float[] y, int m, int n, int k,
                            int hasBias, int activation, int rowOffset, int rowCount) {
        int words = (k + WORD - 1) / WORD;
        RowGemmDriver.run(x, (xb, j) -> dot(x, xb, planes, j * words, k) * scales[j],
                (row, p0, p1, dst, off) -> decode(planes, row * words, scales[row], p0, p1, dst, off),
                bias, y, m, n, k, hasBias, activation, rowOffset, rowCount);
    }

    /** The unscaled sum of the row whose first word is {@code word0}. */
    static float dot(float[] x, int xb, int[] planes, int word0, int k) {
        int full = k / WORD;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        for (int w = 0; w < full; w++) {
            int plus = planes[2 * (word0 + w)];
            int minus = planes[2 * (word0 + w) + 1];
            int xp = xb + w * WORD;
            a0 = lanes(plus, minus, 0).fma(FloatVector.fromArray(F, x, xp), a0);
            a1 = lanes(plus, minus, 1).fma(FloatVector.fromArray(F, x, xp + L), a1);
            a0 = lanes(plus, minus, 2).fma(FloatVector.fromArray(F, x, xp + 2 * L), a0);
            a1 = lanes(plus, minus, 3).fma(FloatVector.fromArray(F, x, xp + 3 * L), a1);
        }
        float acc = QuantLanes.sum(a0.add(a1));
        if (full * WORD < k) {
            int plus = planes[2 * (word0 + full)];
            int minus = planes[2 * (word0 + full) + 1];
            for (int t = 0; t < k - full * WORD; t++) {
                acc += (((plus >>> t) & 1) - ((minus >>> t) & 1)) * x[xb + full * WORD + t];
            }
        }
        return acc;
    }

    /** The ternary weights of byte {@code part} of a word's planes. */
    private static FloatVector lanes(int plus, int minus, int part) {
        FloatVector p = FloatVector.fromArray(F, QuantLanes.BITS, QuantLanes.lut(plus, part));
        FloatVector n = FloatVector.fromArray(F, QuantLanes.BITS, QuantLanes.lut(minus, part));
        return p.sub(n);
    }

    static void decode(int[] planes, int word0, float scale, int p0, int p1, float[] dst, int off) {
        FloatVector s = FloatVector.broadcast(F, scale);
        for (int p = p0; p < p1; p += WORD) {
            int word = word0 + p / WORD;
            int plus = planes[2 * word];
            int minus = planes[2 * word + 1];
            int len = Math.min(WORD, p1 - p);
            int o = off + p - p0;
            if (len == WORD) {
                for (int part = 0; part < 4; part++) {
                    lanes(plus, minus, part).mul(s).intoArray(dst, o + part * L);
                }
            } else {
                for (int t = 0; t < len; t++) {
                    dst[o + t] = (((plus >>> t) & 1) - ((minus >>> t) & 1)) * scale;
                }
            }
        }
    }
}

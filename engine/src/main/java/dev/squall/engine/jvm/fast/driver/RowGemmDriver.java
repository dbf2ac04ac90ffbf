package dev.squall.engine.jvm.fast.driver;

import dev.squall.tasks.gemm.Gemm;
import jdk.incubator.vector.FloatVector;

import static dev.squall.engine.jvm.fast.lanes.QuantLanes.F;
import static dev.squall.engine.jvm.fast.lanes.QuantLanes.L;

/**
 * The GEMM loop of every weight format stored by output rows ({@code W[n, k]}) on the fast path, for
 * {@code m >= }{@link #MIN_ROWS} activation rows. Blocks of {@link #MT} activation rows are transposed into a
 * small {@code [KC][MT]} tile; each pair of weight rows is decoded, {@link #KC} weights at a time, into fp32 by
 * the format's {@link Rows} (the only fp32 copy of a weight is those {@code 2·KC} values), and a register-
 * blocked micro-kernel accumulates the {@code 2 × MT} dot products, a weight broadcast times a tile row per
 * step. Partial sums go to {@code y}; the epilogue runs once all depth blocks are done.
 *
 * <p>Each output is computed the same way whatever the range of output rows a call covers, so results do not
 * depend on how the rows are split between threads.
 */
public final class RowGemmDriver {
    /** Activation rows per block (4 vectors). */
    public static final int MT = 32;
    /** Depth per block: the {@code KC × MT} tile (32 KiB) stays in L1/L2. */
    public static final int KC = 256;
    /** Below this many activation rows the formats' GEMV path is faster. */
    public static final int MIN_ROWS = 8;

    /** A weight format's dot product of activation row {@code x[xBase ..]} with weight row {@code row}. */
    public interface Dot {
        /** {@code Σ_p x[xBase + p]·w[row, p]} over the whole row. */
        float dot(int xBase, int row);
    }

    /** A weight format's row decoder. */
    public interface Rows {
        /** Writes weights {@code [p0, p1)} of row {@code row} as floats to {@code dst[off .. off + p1 − p0)}. */
        void decode(int row, int p0, int p1, float[] dst, int off);
    }

    /** Per-thread tiles. */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(
            () -> new float[][] {new float[KC * MT], new float[2 * KC], new float[2 * MT]});

    private RowGemmDriver() {
    }

    /**
     * A weight format's GEMM on output rows {@code [rowOffset, rowOffset + rowCount)}: one {@code dot} per output
     * for fewer than {@link #MIN_ROWS} activation rows (GEMV, weights widened in registers), the blocked
     * {@link #gemm} with {@code rows} decoding otherwise.
     */
    public static void run(float[] x, Dot dot, Rows rows, float[] bias, float[] y, int m, int n, int k, int hasBias,
                    int activation, int rowOffset, int rowCount) {
        if (m < MIN_ROWS) {
            for (int j = rowOffset; j < rowOffset + rowCount; j++) {
                for (int i = 0; i < m; i++) {
                    y[i * n + j] = Gemm.epilogue(dot.dot(i * k, j), bias, j, hasBias, activation);
                }
            }
        } else {
            gemm(x, rows, bias, y, m, n, k, hasBias, activation, rowOffset, rowOffset + rowCount);
        }
    }

    /**
     * {@code y[i, j] = epilogue(Σ_p x[i, p]·w[j, p])} for every {@code i < m} and {@code j} in
     * {@code [j0, j1)}.
     */
    public static void gemm(float[] x, Rows w, float[] bias, float[] y, int m, int n, int k, int hasBias, int activation,
                     int j0, int j1) {
        float[][] s = SCRATCH.get();
        float[] xT = s[0];
        float[] wb = s[1];
        float[] lanes = s[2];
        for (int i0 = 0; i0 < m; i0 += MT) {
            int mt = Math.min(MT, m - i0);
            for (int p0 = 0; p0 < k; p0 += KC) {
                int kc = Math.min(KC, k - p0);
                transpose(x, k, i0, mt, p0, kc, xT, MT);
                for (int j = j0; j < j1; j += 2) {
                    boolean pair = j + 1 < j1;
                    w.decode(j, p0, p0 + kc, wb, 0);
                    w.decode(pair ? j + 1 : j, p0, p0 + kc, wb, KC);
                    micro(xT, wb, kc, y, n, i0, mt, j, pair, p0 == 0, lanes);
                }
            }
            for (int i = i0; i < i0 + mt; i++) {
                for (int j = j0; j < j1; j++) {
                    y[i * n + j] = Gemm.epilogue(y[i * n + j], bias, j, hasBias, activation);
                }
            }
        }
    }

    /**
     * {@code xT[p·tile + t] = x[(i0 + t)·k + p0 + p]} for {@code p < kc}, {@code t < tile}: rows {@code i0 ..} of
     * {@code x} transposed into a tile of {@code tile} lanes, zero for {@code t >= mt}.
     */
    static void transpose(float[] x, int k, int i0, int mt, int p0, int kc, float[] xT, int tile) {
        for (int t = 0; t < tile; t++) {
            if (t < mt) {
                int base = (i0 + t) * k + p0;
                for (int p = 0; p < kc; p++) {
                    xT[p * tile + t] = x[base + p];
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    xT[p * tile + t] = 0f;
                }
            }
        }
    }

    /** The {@code MT × 2} block of dot products over one depth block, added to (or, first, stored in) {@code y}. */
    private static void micro(float[] xT, float[] wb, int kc, float[] y, int n, int i0, int mt, int j, boolean pair,
                              boolean first, float[] lanes) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F);
        FloatVector b0 = FloatVector.zero(F);
        FloatVector b1 = FloatVector.zero(F);
        FloatVector b2 = FloatVector.zero(F);
        FloatVector b3 = FloatVector.zero(F);
        for (int p = 0; p < kc; p++) {
            FloatVector u = FloatVector.broadcast(F, wb[p]);
            FloatVector v = FloatVector.broadcast(F, wb[KC + p]);
            int t = p * MT;
            FloatVector x0 = FloatVector.fromArray(F, xT, t);
            FloatVector x1 = FloatVector.fromArray(F, xT, t + L);
            FloatVector x2 = FloatVector.fromArray(F, xT, t + 2 * L);
            FloatVector x3 = FloatVector.fromArray(F, xT, t + 3 * L);
            a0 = x0.fma(u, a0);
            a1 = x1.fma(u, a1);
            a2 = x2.fma(u, a2);
            a3 = x3.fma(u, a3);
            b0 = x0.fma(v, b0);
            b1 = x1.fma(v, b1);
            b2 = x2.fma(v, b2);
            b3 = x3.fma(v, b3);
        }
        a0.intoArray(lanes, 0);
        a1.intoArray(lanes, L);
        a2.intoArray(lanes, 2 * L);
        a3.intoArray(lanes, 3 * L);
        b0.intoArray(lanes, MT);
        b1.intoArray(lanes, MT + L);
        b2.intoArray(lanes, MT + 2 * L);
        b3.intoArray(lanes, MT + 3 * L);
        flush(lanes, 0, y, n, i0, mt, j, first);
        if (pair) {
            flush(lanes, MT, y, n, i0, mt, j + 1, first);
        }
    }

    /**
     * Stores (first depth block) or adds the sums {@code lanes[from + t]} of output column {@code j}, rows
     * {@code i0 + t}, {@code t < mt}.
     */
    public static void flush(float[] lanes, int from, float[] y, int n, int i0, int mt, int j, boolean first) {
        for (int t = 0; t < mt; t++) {
            int index = (i0 + t) * n + j;
            y[index] = first ? lanes[from + t] : y[index] + lanes[from + t];
        }
    }
}

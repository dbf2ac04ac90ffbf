package dev.squall.engine.jvm.fast.driver;

import dev.squall.tasks.gemm.Gemm;
import jdk.incubator.vector.FloatVector;

import static dev.squall.engine.jvm.fast.lanes.QuantLanes.F;
import static dev.squall.engine.jvm.fast.lanes.QuantLanes.L;

/**
 * The GEMM loop of the sparse formats on the fast path: as {@link RowGemmDriver} (activation rows transposed
 * into a {@code [KC][MT]} tile), but each weight row is a list of (column, value) entries within the depth
 * block, and only those entries are visited: one broadcast value times one tile row per stored weight, so the
 * multiply-adds are proportional to the non-zeros. {@link #MT} = 64 activation rows give eight independent
 * accumulators per weight row. Results do not depend on how the output rows are split between threads.
 */
public final class SparseGemmDriver {
    /** Activation rows per block (8 vectors). */
    public static final int MT = 64;
    /** Depth per block: a 256 KiB tile (L2), few entry look-ups per row. */
    public static final int KC = 1024;

    /**
     * Where the entries of one row segment are: entry {@code e < count} is value {@code vals[valsOff + e]} at
     * column {@code cols[colsOff + e] + colBase}, relative to the segment's first column. A format points into
     * its own arrays where it can (CSR) or fills {@link #scratch} (2:4 positions).
     */
    public static final class Segment {
        public final int[] scratch = new int[KC];
        public int[] cols;
        public int colsOff;
        public int colBase;
        public float[] vals;
        public int valsOff;
        public int count;
    }

    /** A sparse format's entries. */
    public interface Entries {
        /** Describes, in {@code s}, the stored weights of row {@code row} with columns in {@code [p0, p1)}. */
        void segment(int row, int p0, int p1, Segment s);
    }

    /** Per-thread tile, segment and output lanes. */
    private record Scratch(float[] xT, Segment segment, float[] lanes) {
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(
            () -> new Scratch(new float[KC * MT], new Segment(), new float[MT]));

    private SparseGemmDriver() {
    }

    /** As {@link RowGemmDriver#run}, with the blocked sparse GEMM for {@link RowGemmDriver#MIN_ROWS} rows and more. */
    public static void run(float[] x, RowGemmDriver.Dot dot, Entries entries, float[] bias, float[] y, int m, int n, int k,
                    int hasBias, int activation, int rowOffset, int rowCount) {
        if (m < RowGemmDriver.MIN_ROWS) {
            RowGemmDriver.run(x, dot, null, bias, y, m, n, k, hasBias, activation, rowOffset, rowCount);
            return;
        }
        Scratch s = SCRATCH.get();
        int j1 = rowOffset + rowCount;
        for (int i0 = 0; i0 < m; i0 += MT) {
            int mt = Math.min(MT, m - i0);
            for (int p0 = 0; p0 < k; p0 += KC) {
                int kc = Math.min(KC, k - p0);
                RowGemmDriver.transpose(x, k, i0, mt, p0, kc, s.xT(), MT);
                for (int j = rowOffset; j < j1; j++) {
                    Segment seg = s.segment();
                    entries.segment(j, p0, p0 + kc, seg);
                    micro(s.xT(), seg.cols, seg.colsOff, seg.colBase, seg.vals, seg.valsOff, seg.count, s.lanes());
                    RowGemmDriver.flush(s.lanes(), 0, y, n, i0, mt, j, p0 == 0);
                }
            }
            for (int i = i0; i < i0 + mt; i++) {
                for (int j = rowOffset; j < j1; j++) {
                    y[i * n + j] = Gemm.epilogue(y[i * n + j], bias, j, hasBias, activation);
                }
            }
        }
    }

    /** {@code lanes[t] = Σ_e vals[valsOff + e]·xT[(cols[colsOff + e] + colBase)·MT + t]}, {@code t < MT}. */
    private static void micro(float[] xT, int[] cols, int colsOff, int colBase, float[] vals, int valsOff, int count,
                              float[] lanes) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F);
        FloatVector a4 = FloatVector.zero(F);
        FloatVector a5 = FloatVector.zero(F);
        FloatVector a6 = FloatVector.zero(F);
        FloatVector a7 = FloatVector.zero(F);
        for (int e = 0; e < count; e++) {
            FloatVector u = FloatVector.broadcast(F, vals[valsOff + e]);
            int t = (cols[colsOff + e] + colBase) * MT;
            a0 = FloatVector.fromArray(F, xT, t).fma(u, a0);
            a1 = FloatVector.fromArray(F, xT, t + L).fma(u, a1);
            a2 = FloatVector.fromArray(F, xT, t + 2 * L).fma(u, a2);
            a3 = FloatVector.fromArray(F, xT, t + 3 * L).fma(u, a3);
            a4 = FloatVector.fromArray(F, xT, t + 4 * L).fma(u, a4);
            a5 = FloatVector.fromArray(F, xT, t + 5 * L).fma(u, a5);
            a6 = FloatVector.fromArray(F, xT, t + 6 * L).fma(u, a6);
            a7 = FloatVector.fromArray(F, xT, t + 7 * L).fma(u, a7);
        }
        a0.intoArray(lanes, 0);
        a1.intoArray(lanes, L);
        a2.intoArray(lanes, 2 * L);
        a3.intoArray(lanes, 3 * L);
        a4.intoArray(lanes, 4 * L);
        a5.intoArray(lanes, 5 * L);
        a6.intoArray(lanes, 6 * L);
        a7.intoArray(lanes, 7 * L);
    }
}

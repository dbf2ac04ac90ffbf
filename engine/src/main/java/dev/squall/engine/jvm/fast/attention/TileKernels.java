package dev.squall.engine.jvm.fast.attention;

import dev.squall.engine.jvm.fast.math.VectorWidth;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-blocked micro-kernels of the attention tiles, one block shape per vector shape: with 512-bit
 * vectors (32 registers) 8 rows × 2 vectors (16 accumulators), with 256-bit ones (16 registers) 4 rows × 2
 * vectors (8 accumulators; with more, C2 spills them). Both products of a key tile run here:
 * <ul>
 *   <li>{@link #scores}: a block of the key-major score tile {@code Sᵀ = K·Qᵀ}, {@link #SCORE_ROWS} keys
 *       (broadcast from a packed key micro-panel {@code [d][SCORE_ROWS]}) by {@link #COLUMNS} queries (a packed
 *       panel of {@code Qᵀ}, {@code [d][COLUMNS]}), depth {@code d}, stored at tile stride {@link #TS};</li>
 *   <li>{@link #weighted}: {@code out = out·correction + P·V} for {@link #OUT_ROWS} queries by {@link #COLUMNS}
 *       columns of the head dimension, {@code P} read in place from the key-major tile (column-major, stride
 *       {@link #TS}: a constant, so C2 drops the range checks from the loop), {@code V} a packed panel
 *       {@code [keys][COLUMNS]}.</li>
 * </ul>
 * Every element is accumulated by {@code acc = fma(a_p, b_p, acc)} for the depth {@code p} ascending, whatever
 * block it falls in, so results do not depend on how work is split.
 */
final class TileKernels {
    static final VectorSpecies<Float> S = VectorWidth.FLOATS;
    static final int L = S.length();
    /** Whether the 32-register block shapes run (512-bit vectors). */
    static final boolean WIDE = L >= 16;
    /** Keys per score block. */
    static final int SCORE_ROWS = WIDE ? 8 : 4;
    /** Queries per output block. */
    static final int OUT_ROWS = WIDE ? 8 : 4;
    /** Columns of both blocks: two vectors. */
    static final int COLUMNS = 2 * L;
    /** Most queries of a tile. */
    static final int MAX_QUERIES = 128;
    /**
     * Row stride of the key-major tile, which is stored panel by panel of {@link #COLUMNS} queries: a panel's
     * scores, probabilities and output block stay together in L1 while it goes through all three steps.
     */
    static final int TS = COLUMNS;

    private TileKernels() {
    }

    /**
     * Score block at {@code tile[tOff ..]}: rows are keys, read in place (key {@code r} at
     * {@code k[kBase + r·kStride ..]}, the first {@code keys} of them; the others repeat the last, their scores
     * unused), columns queries ({@code q} panel at {@code qOff}).
     */
    static void scores(float[] k, int kBase, int kStride, int keys, float[] q, int qOff, int d, float[] tile,
                       int tOff) {
        if (WIDE) {
            scores8(k, kBase, kStride, keys, q, qOff, d, tile, tOff);
        } else {
            scores4(k, kBase, kStride, keys, q, qOff, d, tile, tOff);
        }
    }

    /**
     * {@code out[oOff + i·ldo + j] = out[..]·correction[cOff + i] + Σ_p tile[aOff + p·TS + i]·v[vOff + p·COLUMNS + j]}
     * for {@code i < OUT_ROWS}, {@code j < COLUMNS}, {@code p < depth}.
     */
    static void weighted(float[] tile, int aOff, float[] v, int vOff, int depth, float[] correction, int cOff,
                         float[] out, int oOff, int ldo) {
        if (WIDE) {
            weighted8(tile, aOff, v, vOff, depth, correction, cOff, out, oOff, ldo);
        } else {
            weighted4(tile, aOff, v, vOff, depth, correction, cOff, out, oOff, ldo);
        }
    }

    private static void scores8(float[] k, int kBase, int kStride, int keys, float[] q, int qOff, int d, float[] t,
                                int tOff) {
        int k0 = kBase;
        int k1 = kBase + Math.min(1, keys - 1) * kStride;
        int k2 = kBase + Math.min(2, keys - 1) * kStride;
        int k3 = kBase + Math.min(3, keys - 1) * kStride;
        int k4 = kBase + Math.min(4, keys - 1) * kStride;
        int k5 = kBase + Math.min(5, keys - 1) * kStride;
        int k6 = kBase + Math.min(6, keys - 1) * kStride;
        int k7 = kBase + Math.min(7, keys - 1) * kStride;
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c10 = FloatVector.zero(S);
        FloatVector c11 = FloatVector.zero(S), c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c40 = FloatVector.zero(S);
        FloatVector c41 = FloatVector.zero(S), c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S), c70 = FloatVector.zero(S);
        FloatVector c71 = FloatVector.zero(S);
        for (int p = 0; p < d; p++) {
            FloatVector b0 = FloatVector.fromArray(S, q, qOff + p * COLUMNS);
            FloatVector b1 = FloatVector.fromArray(S, q, qOff + p * COLUMNS + L);
            FloatVector a0 = FloatVector.broadcast(S, k[k0 + p]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, k[k1 + p]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, k[k2 + p]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, k[k3 + p]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, k[k4 + p]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, k[k5 + p]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            FloatVector a6 = FloatVector.broadcast(S, k[k6 + p]);
            c60 = a6.fma(b0, c60);
            c61 = a6.fma(b1, c61);
            FloatVector a7 = FloatVector.broadcast(S, k[k7 + p]);
            c70 = a7.fma(b0, c70);
            c71 = a7.fma(b1, c71);
        }
        c00.intoArray(t, tOff);
        c01.intoArray(t, tOff + L);
        c10.intoArray(t, tOff + TS);
        c11.intoArray(t, tOff + TS + L);
        c20.intoArray(t, tOff + 2 * TS);
        c21.intoArray(t, tOff + 2 * TS + L);
        c30.intoArray(t, tOff + 3 * TS);
        c31.intoArray(t, tOff + 3 * TS + L);
        c40.intoArray(t, tOff + 4 * TS);
        c41.intoArray(t, tOff + 4 * TS + L);
        c50.intoArray(t, tOff + 5 * TS);
        c51.intoArray(t, tOff + 5 * TS + L);
        c60.intoArray(t, tOff + 6 * TS);
        c61.intoArray(t, tOff + 6 * TS + L);
        c70.intoArray(t, tOff + 7 * TS);
        c71.intoArray(t, tOff + 7 * TS + L);
    }

    private static void scores4(float[] k, int kBase, int kStride, int keys, float[] q, int qOff, int d, float[] t,
                                int tOff) {
        int k0 = kBase;
        int k1 = kBase + Math.min(1, keys - 1) * kStride;
        int k2 = kBase + Math.min(2, keys - 1) * kStride;
        int k3 = kBase + Math.min(3, keys - 1) * kStride;
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c10 = FloatVector.zero(S);
        FloatVector c11 = FloatVector.zero(S), c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        for (int p = 0; p < d; p++) {
            FloatVector b0 = FloatVector.fromArray(S, q, qOff + p * COLUMNS);
            FloatVector b1 = FloatVector.fromArray(S, q, qOff + p * COLUMNS + L);
            FloatVector a0 = FloatVector.broadcast(S, k[k0 + p]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, k[k1 + p]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, k[k2 + p]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, k[k3 + p]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
        }
        c00.intoArray(t, tOff);
        c01.intoArray(t, tOff + L);
        c10.intoArray(t, tOff + TS);
        c11.intoArray(t, tOff + TS + L);
        c20.intoArray(t, tOff + 2 * TS);
        c21.intoArray(t, tOff + 2 * TS + L);
        c30.intoArray(t, tOff + 3 * TS);
        c31.intoArray(t, tOff + 3 * TS + L);
    }

    private static void weighted8(float[] t, int aOff, float[] v, int vOff, int depth, float[] corr, int cOff,
                                  float[] out, int oOff, int ldo) {
        int o1 = oOff + ldo;
        int o2 = o1 + ldo;
        int o3 = o2 + ldo;
        int o4 = o3 + ldo;
        int o5 = o4 + ldo;
        int o6 = o5 + ldo;
        int o7 = o6 + ldo;
        FloatVector c00 = FloatVector.fromArray(S, out, oOff).mul(corr[cOff]);
        FloatVector c01 = FloatVector.fromArray(S, out, oOff + L).mul(corr[cOff]);
        FloatVector c10 = FloatVector.fromArray(S, out, o1).mul(corr[cOff + 1]);
        FloatVector c11 = FloatVector.fromArray(S, out, o1 + L).mul(corr[cOff + 1]);
        FloatVector c20 = FloatVector.fromArray(S, out, o2).mul(corr[cOff + 2]);
        FloatVector c21 = FloatVector.fromArray(S, out, o2 + L).mul(corr[cOff + 2]);
        FloatVector c30 = FloatVector.fromArray(S, out, o3).mul(corr[cOff + 3]);
        FloatVector c31 = FloatVector.fromArray(S, out, o3 + L).mul(corr[cOff + 3]);
        FloatVector c40 = FloatVector.fromArray(S, out, o4).mul(corr[cOff + 4]);
        FloatVector c41 = FloatVector.fromArray(S, out, o4 + L).mul(corr[cOff + 4]);
        FloatVector c50 = FloatVector.fromArray(S, out, o5).mul(corr[cOff + 5]);
        FloatVector c51 = FloatVector.fromArray(S, out, o5 + L).mul(corr[cOff + 5]);
        FloatVector c60 = FloatVector.fromArray(S, out, o6).mul(corr[cOff + 6]);
        FloatVector c61 = FloatVector.fromArray(S, out, o6 + L).mul(corr[cOff + 6]);
        FloatVector c70 = FloatVector.fromArray(S, out, o7).mul(corr[cOff + 7]);
        FloatVector c71 = FloatVector.fromArray(S, out, o7 + L).mul(corr[cOff + 7]);
        for (int p = 0; p < depth; p++) {
            FloatVector b0 = FloatVector.fromArray(S, v, vOff + p * COLUMNS);
            FloatVector b1 = FloatVector.fromArray(S, v, vOff + p * COLUMNS + L);
            int a = aOff + p * TS;
            FloatVector a0 = FloatVector.broadcast(S, t[a]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, t[a + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, t[a + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, t[a + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, t[a + 4]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, t[a + 5]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            FloatVector a6 = FloatVector.broadcast(S, t[a + 6]);
            c60 = a6.fma(b0, c60);
            c61 = a6.fma(b1, c61);
            FloatVector a7 = FloatVector.broadcast(S, t[a + 7]);
            c70 = a7.fma(b0, c70);
            c71 = a7.fma(b1, c71);
        }
        c00.intoArray(out, oOff);
        c01.intoArray(out, oOff + L);
        c10.intoArray(out, o1);
        c11.intoArray(out, o1 + L);
        c20.intoArray(out, o2);
        c21.intoArray(out, o2 + L);
        c30.intoArray(out, o3);
        c31.intoArray(out, o3 + L);
        c40.intoArray(out, o4);
        c41.intoArray(out, o4 + L);
        c50.intoArray(out, o5);
        c51.intoArray(out, o5 + L);
        c60.intoArray(out, o6);
        c61.intoArray(out, o6 + L);
        c70.intoArray(out, o7);
        c71.intoArray(out, o7 + L);
    }

    private static void weighted4(float[] t, int aOff, float[] v, int vOff, int depth, float[] corr, int cOff,
                                  float[] out, int oOff, int ldo) {
        int o1 = oOff + ldo;
        int o2 = o1 + ldo;
        int o3 = o2 + ldo;
        FloatVector c00 = FloatVector.fromArray(S, out, oOff).mul(corr[cOff]);
        FloatVector c01 = FloatVector.fromArray(S, out, oOff + L).mul(corr[cOff]);
        FloatVector c10 = FloatVector.fromArray(S, out, o1).mul(corr[cOff + 1]);
        FloatVector c11 = FloatVector.fromArray(S, out, o1 + L).mul(corr[cOff + 1]);
        FloatVector c20 = FloatVector.fromArray(S, out, o2).mul(corr[cOff + 2]);
        FloatVector c21 = FloatVector.fromArray(S, out, o2 + L).mul(corr[cOff + 2]);
        FloatVector c30 = FloatVector.fromArray(S, out, o3).mul(corr[cOff + 3]);
        FloatVector c31 = FloatVector.fromArray(S, out, o3 + L).mul(corr[cOff + 3]);
        for (int p = 0; p < depth; p++) {
            FloatVector b0 = FloatVector.fromArray(S, v, vOff + p * COLUMNS);
            FloatVector b1 = FloatVector.fromArray(S, v, vOff + p * COLUMNS + L);
            int a = aOff + p * TS;
            FloatVector a0 = FloatVector.broadcast(S, t[a]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, t[a + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, t[a + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, t[a + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
        }
        c00.intoArray(out, oOff);
        c01.intoArray(out, oOff + L);
        c10.intoArray(out, o1);
        c11.intoArray(out, o1 + L);
        c20.intoArray(out, o2);
        c21.intoArray(out, o2 + L);
        c30.intoArray(out, o3);
        c31.intoArray(out, o3 + L);
    }
}

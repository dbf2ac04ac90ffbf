package dev.squall.engine.jvm.fast.attention;

import dev.squall.engine.jvm.fast.lanes.VectorWidth;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
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
    static final VectorSpecies<Float> S = VectorWidth.FLOAT;
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

    /**
     * {@link #scores} with the plain kernels' arithmetic: each score is {@code (Σ_p k_p·q_p)·scale} summed in depth
     * order with a rounding after each product and each sum (no FMA), exactly as {@code KeyStream.score}, so that
     * a selection by score (top-k, clusters) picks what the plain kernel picks. The queries are not scaled.
     */
    static void exactScores(float[] k, int kBase, int kStride, int keys, float[] q, int qOff, int d, float scale,
                            float[] tile, int tOff) {
        if (WIDE) {
            exactScores8(k, kBase, kStride, keys, q, qOff, d, scale, tile, tOff);
        } else {
            exactScores4(k, kBase, kStride, keys, q, qOff, d, scale, tile, tOff);
        }
    }

    private static void exactScores8(float[] k, int kBase, int kStride, int keys, float[] q, int qOff, int d, float scale,
                                  float[] t, int tOff) {
        int k0 = kBase;
        int k1 = kBase + Math.min(1, keys - 1) * kStride;
        int k2 = kBase + Math.min(2, keys - 1) * kStride;
        int k3 = kBase + Math.min(3, keys - 1) * kStride;
        int k4 = kBase + Math.min(4, keys - 1) * kStride;
        int k5 = kBase + Math.min(5, keys - 1) * kStride;
        int k6 = kBase + Math.min(6, keys - 1) * kStride;
        int k7 = kBase + Math.min(7, keys - 1) * kStride;
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S);
        FloatVector c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S);
        FloatVector c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S);
        FloatVector c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S);
        FloatVector c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S);
        FloatVector c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S);
        FloatVector c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S);
        FloatVector c71 = FloatVector.zero(S);
        for (int p = 0; p < d; p++) {
            FloatVector b0 = FloatVector.fromArray(S, q, qOff + p * COLUMNS);
            FloatVector b1 = FloatVector.fromArray(S, q, qOff + p * COLUMNS + L);
            FloatVector a0 = FloatVector.broadcast(S, k[k0 + p]);
            c00 = c00.add(a0.mul(b0));
            c01 = c01.add(a0.mul(b1));
            FloatVector a1 = FloatVector.broadcast(S, k[k1 + p]);
            c10 = c10.add(a1.mul(b0));
            c11 = c11.add(a1.mul(b1));
            FloatVector a2 = FloatVector.broadcast(S, k[k2 + p]);
            c20 = c20.add(a2.mul(b0));
            c21 = c21.add(a2.mul(b1));
            FloatVector a3 = FloatVector.broadcast(S, k[k3 + p]);
            c30 = c30.add(a3.mul(b0));
            c31 = c31.add(a3.mul(b1));
            FloatVector a4 = FloatVector.broadcast(S, k[k4 + p]);
            c40 = c40.add(a4.mul(b0));
            c41 = c41.add(a4.mul(b1));
            FloatVector a5 = FloatVector.broadcast(S, k[k5 + p]);
            c50 = c50.add(a5.mul(b0));
            c51 = c51.add(a5.mul(b1));
            FloatVector a6 = FloatVector.broadcast(S, k[k6 + p]);
            c60 = c60.add(a6.mul(b0));
            c61 = c61.add(a6.mul(b1));
            FloatVector a7 = FloatVector.broadcast(S, k[k7 + p]);
            c70 = c70.add(a7.mul(b0));
            c71 = c71.add(a7.mul(b1));
        }
        c00.mul(scale).intoArray(t, tOff);
        c01.mul(scale).intoArray(t, tOff + L);
        c10.mul(scale).intoArray(t, tOff + TS);
        c11.mul(scale).intoArray(t, tOff + TS + L);
        c20.mul(scale).intoArray(t, tOff + 2 * TS);
        c21.mul(scale).intoArray(t, tOff + 2 * TS + L);
        c30.mul(scale).intoArray(t, tOff + 3 * TS);
        c31.mul(scale).intoArray(t, tOff + 3 * TS + L);
        c40.mul(scale).intoArray(t, tOff + 4 * TS);
        c41.mul(scale).intoArray(t, tOff + 4 * TS + L);
        c50.mul(scale).intoArray(t, tOff + 5 * TS);
        c51.mul(scale).intoArray(t, tOff + 5 * TS + L);
        c60.mul(scale).intoArray(t, tOff + 6 * TS);
        c61.mul(scale).intoArray(t, tOff + 6 * TS + L);
        c70.mul(scale).intoArray(t, tOff + 7 * TS);
        c71.mul(scale).intoArray(t, tOff + 7 * TS + L);
    }

    private static void exactScores4(float[] k, int kBase, int kStride, int keys, float[] q, int qOff, int d, float scale,
                                  float[] t, int tOff) {
        int k0 = kBase;
        int k1 = kBase + Math.min(1, keys - 1) * kStride;
        int k2 = kBase + Math.min(2, keys - 1) * kStride;
        int k3 = kBase + Math.min(3, keys - 1) * kStride;
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S);
        FloatVector c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S);
        FloatVector c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S);
        FloatVector c31 = FloatVector.zero(S);
        for (int p = 0; p < d; p++) {
            FloatVector b0 = FloatVector.fromArray(S, q, qOff + p * COLUMNS);
            FloatVector b1 = FloatVector.fromArray(S, q, qOff + p * COLUMNS + L);
            FloatVector a0 = FloatVector.broadcast(S, k[k0 + p]);
            c00 = c00.add(a0.mul(b0));
            c01 = c01.add(a0.mul(b1));
            FloatVector a1 = FloatVector.broadcast(S, k[k1 + p]);
            c10 = c10.add(a1.mul(b0));
            c11 = c11.add(a1.mul(b1));
            FloatVector a2 = FloatVector.broadcast(S, k[k2 + p]);
            c20 = c20.add(a2.mul(b0));
            c21 = c21.add(a2.mul(b1));
            FloatVector a3 = FloatVector.broadcast(S, k[k3 + p]);
            c30 = c30.add(a3.mul(b0));
            c31 = c31.add(a3.mul(b1));
        }
        c00.mul(scale).intoArray(t, tOff);
        c01.mul(scale).intoArray(t, tOff + L);
        c10.mul(scale).intoArray(t, tOff + TS);
        c11.mul(scale).intoArray(t, tOff + TS + L);
        c20.mul(scale).intoArray(t, tOff + 2 * TS);
        c21.mul(scale).intoArray(t, tOff + 2 * TS + L);
        c30.mul(scale).intoArray(t, tOff + 3 * TS);
        c31.mul(scale).intoArray(t, tOff + 3 * TS + L);
    }

    /**
     * Packs the {@code L × L} block of queries {@code rows[c0 ..]} (offsets of their rows in {@code q}) by depths
     * {@code [p0, p0 + L)}, times {@code scale}, transposed: depth {@code p0 + p} of query {@code c0 + c} to
     * {@code dst[dOff + p·COLUMNS + c]}. An in-register transpose (log₂L rounds of two-vector shuffles): a scalar
     * store per element, scattered across {@code L} lines, cost four times as much, a sixth of a narrow window's
     * time (the queries are transposed once per group).
     */
    static void transpose(float[] q, int[] rows, int c0, int p0, float scale, float[] dst, int dOff) {
        if (L == 16) {
            transpose16(q, rows, c0, p0, scale, dst, dOff);
        } else if (L == 8) {
            transpose8(q, rows, c0, p0, scale, dst, dOff);
        } else {
            for (int c = 0; c < L; c++) {
                for (int p = 0; p < L; p++) {
                    dst[dOff + p * COLUMNS + c] = q[rows[c0 + c] + p0 + p] * scale;
                }
            }
        }
    }

    /**
     * Shuffles of the transpose: round {@code r} pairs vector {@code i} with {@code i + 2^r} ({@code i} without
     * bit {@code r}); {@code LOW[r]} takes their even blocks of {@code 2^r} lanes, {@code HIGH[r]} their odd ones,
     * interleaved (a negative index takes the lane from the second vector).
     */
    private static final VectorShuffle<Float>[] LOW = shuffles(true);
    private static final VectorShuffle<Float>[] HIGH = shuffles(false);

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] shuffles(boolean low) {
        int rounds = Integer.numberOfTrailingZeros(L);
        VectorShuffle<Float>[] all = new VectorShuffle[rounds];
        for (int r = 0; r < rounds; r++) {
            int s = 1 << r;
            int[] index = new int[L];
            for (int i = 0; i < L; i++) {
                int blk = i / s;
                int src = (blk / 2 * 2 + (low ? 0 : 1)) * s + i % s;
                index[i] = blk % 2 == 0 ? src : src - L;
            }
            all[r] = VectorShuffle.fromArray(S, index, 0);
        }
        return all;
    }

    private static void transpose16(float[] q, int[] rows, int c0, int p0, float scale, float[] dst, int dOff) {
        FloatVector v0 = FloatVector.fromArray(S, q, rows[c0 + 0] + p0);
        FloatVector v1 = FloatVector.fromArray(S, q, rows[c0 + 1] + p0);
        FloatVector v2 = FloatVector.fromArray(S, q, rows[c0 + 2] + p0);
        FloatVector v3 = FloatVector.fromArray(S, q, rows[c0 + 3] + p0);
        FloatVector v4 = FloatVector.fromArray(S, q, rows[c0 + 4] + p0);
        FloatVector v5 = FloatVector.fromArray(S, q, rows[c0 + 5] + p0);
        FloatVector v6 = FloatVector.fromArray(S, q, rows[c0 + 6] + p0);
        FloatVector v7 = FloatVector.fromArray(S, q, rows[c0 + 7] + p0);
        FloatVector v8 = FloatVector.fromArray(S, q, rows[c0 + 8] + p0);
        FloatVector v9 = FloatVector.fromArray(S, q, rows[c0 + 9] + p0);
        FloatVector v10 = FloatVector.fromArray(S, q, rows[c0 + 10] + p0);
        FloatVector v11 = FloatVector.fromArray(S, q, rows[c0 + 11] + p0);
        FloatVector v12 = FloatVector.fromArray(S, q, rows[c0 + 12] + p0);
        FloatVector v13 = FloatVector.fromArray(S, q, rows[c0 + 13] + p0);
        FloatVector v14 = FloatVector.fromArray(S, q, rows[c0 + 14] + p0);
        FloatVector v15 = FloatVector.fromArray(S, q, rows[c0 + 15] + p0);
        FloatVector w0x0 = v0.rearrange(LOW[0], v1);
        FloatVector w0x1 = v0.rearrange(HIGH[0], v1);
        FloatVector w0x2 = v2.rearrange(LOW[0], v3);
        FloatVector w0x3 = v2.rearrange(HIGH[0], v3);
        FloatVector w0x4 = v4.rearrange(LOW[0], v5);
        FloatVector w0x5 = v4.rearrange(HIGH[0], v5);
        FloatVector w0x6 = v6.rearrange(LOW[0], v7);
        FloatVector w0x7 = v6.rearrange(HIGH[0], v7);
        FloatVector w0x8 = v8.rearrange(LOW[0], v9);
        FloatVector w0x9 = v8.rearrange(HIGH[0], v9);
        FloatVector w0x10 = v10.rearrange(LOW[0], v11);
        FloatVector w0x11 = v10.rearrange(HIGH[0], v11);
        FloatVector w0x12 = v12.rearrange(LOW[0], v13);
        FloatVector w0x13 = v12.rearrange(HIGH[0], v13);
        FloatVector w0x14 = v14.rearrange(LOW[0], v15);
        FloatVector w0x15 = v14.rearrange(HIGH[0], v15);
        FloatVector w1x0 = w0x0.rearrange(LOW[1], w0x2);
        FloatVector w1x2 = w0x0.rearrange(HIGH[1], w0x2);
        FloatVector w1x1 = w0x1.rearrange(LOW[1], w0x3);
        FloatVector w1x3 = w0x1.rearrange(HIGH[1], w0x3);
        FloatVector w1x4 = w0x4.rearrange(LOW[1], w0x6);
        FloatVector w1x6 = w0x4.rearrange(HIGH[1], w0x6);
        FloatVector w1x5 = w0x5.rearrange(LOW[1], w0x7);
        FloatVector w1x7 = w0x5.rearrange(HIGH[1], w0x7);
        FloatVector w1x8 = w0x8.rearrange(LOW[1], w0x10);
        FloatVector w1x10 = w0x8.rearrange(HIGH[1], w0x10);
        FloatVector w1x9 = w0x9.rearrange(LOW[1], w0x11);
        FloatVector w1x11 = w0x9.rearrange(HIGH[1], w0x11);
        FloatVector w1x12 = w0x12.rearrange(LOW[1], w0x14);
        FloatVector w1x14 = w0x12.rearrange(HIGH[1], w0x14);
        FloatVector w1x13 = w0x13.rearrange(LOW[1], w0x15);
        FloatVector w1x15 = w0x13.rearrange(HIGH[1], w0x15);
        FloatVector w2x0 = w1x0.rearrange(LOW[2], w1x4);
        FloatVector w2x4 = w1x0.rearrange(HIGH[2], w1x4);
        FloatVector w2x1 = w1x1.rearrange(LOW[2], w1x5);
        FloatVector w2x5 = w1x1.rearrange(HIGH[2], w1x5);
        FloatVector w2x2 = w1x2.rearrange(LOW[2], w1x6);
        FloatVector w2x6 = w1x2.rearrange(HIGH[2], w1x6);
        FloatVector w2x3 = w1x3.rearrange(LOW[2], w1x7);
        FloatVector w2x7 = w1x3.rearrange(HIGH[2], w1x7);
        FloatVector w2x8 = w1x8.rearrange(LOW[2], w1x12);
        FloatVector w2x12 = w1x8.rearrange(HIGH[2], w1x12);
        FloatVector w2x9 = w1x9.rearrange(LOW[2], w1x13);
        FloatVector w2x13 = w1x9.rearrange(HIGH[2], w1x13);
        FloatVector w2x10 = w1x10.rearrange(LOW[2], w1x14);
        FloatVector w2x14 = w1x10.rearrange(HIGH[2], w1x14);
        FloatVector w2x11 = w1x11.rearrange(LOW[2], w1x15);
        FloatVector w2x15 = w1x11.rearrange(HIGH[2], w1x15);
        FloatVector w3x0 = w2x0.rearrange(LOW[3], w2x8);
        FloatVector w3x8 = w2x0.rearrange(HIGH[3], w2x8);
        FloatVector w3x1 = w2x1.rearrange(LOW[3], w2x9);
        FloatVector w3x9 = w2x1.rearrange(HIGH[3], w2x9);
        FloatVector w3x2 = w2x2.rearrange(LOW[3], w2x10);
        FloatVector w3x10 = w2x2.rearrange(HIGH[3], w2x10);
        FloatVector w3x3 = w2x3.rearrange(LOW[3], w2x11);
        FloatVector w3x11 = w2x3.rearrange(HIGH[3], w2x11);
        FloatVector w3x4 = w2x4.rearrange(LOW[3], w2x12);
        FloatVector w3x12 = w2x4.rearrange(HIGH[3], w2x12);
        FloatVector w3x5 = w2x5.rearrange(LOW[3], w2x13);
        FloatVector w3x13 = w2x5.rearrange(HIGH[3], w2x13);
        FloatVector w3x6 = w2x6.rearrange(LOW[3], w2x14);
        FloatVector w3x14 = w2x6.rearrange(HIGH[3], w2x14);
        FloatVector w3x7 = w2x7.rearrange(LOW[3], w2x15);
        FloatVector w3x15 = w2x7.rearrange(HIGH[3], w2x15);
        w3x0.mul(scale).intoArray(dst, dOff + 0 * COLUMNS);
        w3x1.mul(scale).intoArray(dst, dOff + 1 * COLUMNS);
        w3x2.mul(scale).intoArray(dst, dOff + 2 * COLUMNS);
        w3x3.mul(scale).intoArray(dst, dOff + 3 * COLUMNS);
        w3x4.mul(scale).intoArray(dst, dOff + 4 * COLUMNS);
        w3x5.mul(scale).intoArray(dst, dOff + 5 * COLUMNS);
        w3x6.mul(scale).intoArray(dst, dOff + 6 * COLUMNS);
        w3x7.mul(scale).intoArray(dst, dOff + 7 * COLUMNS);
        w3x8.mul(scale).intoArray(dst, dOff + 8 * COLUMNS);
        w3x9.mul(scale).intoArray(dst, dOff + 9 * COLUMNS);
        w3x10.mul(scale).intoArray(dst, dOff + 10 * COLUMNS);
        w3x11.mul(scale).intoArray(dst, dOff + 11 * COLUMNS);
        w3x12.mul(scale).intoArray(dst, dOff + 12 * COLUMNS);
        w3x13.mul(scale).intoArray(dst, dOff + 13 * COLUMNS);
        w3x14.mul(scale).intoArray(dst, dOff + 14 * COLUMNS);
        w3x15.mul(scale).intoArray(dst, dOff + 15 * COLUMNS);
    }

    private static void transpose8(float[] q, int[] rows, int c0, int p0, float scale, float[] dst, int dOff) {
        FloatVector v0 = FloatVector.fromArray(S, q, rows[c0 + 0] + p0);
        FloatVector v1 = FloatVector.fromArray(S, q, rows[c0 + 1] + p0);
        FloatVector v2 = FloatVector.fromArray(S, q, rows[c0 + 2] + p0);
        FloatVector v3 = FloatVector.fromArray(S, q, rows[c0 + 3] + p0);
        FloatVector v4 = FloatVector.fromArray(S, q, rows[c0 + 4] + p0);
        FloatVector v5 = FloatVector.fromArray(S, q, rows[c0 + 5] + p0);
        FloatVector v6 = FloatVector.fromArray(S, q, rows[c0 + 6] + p0);
        FloatVector v7 = FloatVector.fromArray(S, q, rows[c0 + 7] + p0);
        FloatVector w0x0 = v0.rearrange(LOW[0], v1);
        FloatVector w0x1 = v0.rearrange(HIGH[0], v1);
        FloatVector w0x2 = v2.rearrange(LOW[0], v3);
        FloatVector w0x3 = v2.rearrange(HIGH[0], v3);
        FloatVector w0x4 = v4.rearrange(LOW[0], v5);
        FloatVector w0x5 = v4.rearrange(HIGH[0], v5);
        FloatVector w0x6 = v6.rearrange(LOW[0], v7);
        FloatVector w0x7 = v6.rearrange(HIGH[0], v7);
        FloatVector w1x0 = w0x0.rearrange(LOW[1], w0x2);
        FloatVector w1x2 = w0x0.rearrange(HIGH[1], w0x2);
        FloatVector w1x1 = w0x1.rearrange(LOW[1], w0x3);
        FloatVector w1x3 = w0x1.rearrange(HIGH[1], w0x3);
        FloatVector w1x4 = w0x4.rearrange(LOW[1], w0x6);
        FloatVector w1x6 = w0x4.rearrange(HIGH[1], w0x6);
        FloatVector w1x5 = w0x5.rearrange(LOW[1], w0x7);
        FloatVector w1x7 = w0x5.rearrange(HIGH[1], w0x7);
        FloatVector w2x0 = w1x0.rearrange(LOW[2], w1x4);
        FloatVector w2x4 = w1x0.rearrange(HIGH[2], w1x4);
        FloatVector w2x1 = w1x1.rearrange(LOW[2], w1x5);
        FloatVector w2x5 = w1x1.rearrange(HIGH[2], w1x5);
        FloatVector w2x2 = w1x2.rearrange(LOW[2], w1x6);
        FloatVector w2x6 = w1x2.rearrange(HIGH[2], w1x6);
        FloatVector w2x3 = w1x3.rearrange(LOW[2], w1x7);
        FloatVector w2x7 = w1x3.rearrange(HIGH[2], w1x7);
        w2x0.mul(scale).intoArray(dst, dOff + 0 * COLUMNS);
        w2x1.mul(scale).intoArray(dst, dOff + 1 * COLUMNS);
        w2x2.mul(scale).intoArray(dst, dOff + 2 * COLUMNS);
        w2x3.mul(scale).intoArray(dst, dOff + 3 * COLUMNS);
        w2x4.mul(scale).intoArray(dst, dOff + 4 * COLUMNS);
        w2x5.mul(scale).intoArray(dst, dOff + 5 * COLUMNS);
        w2x6.mul(scale).intoArray(dst, dOff + 6 * COLUMNS);
        w2x7.mul(scale).intoArray(dst, dOff + 7 * COLUMNS);
    }
}

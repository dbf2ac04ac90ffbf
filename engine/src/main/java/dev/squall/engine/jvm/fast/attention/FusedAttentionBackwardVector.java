package dev.squall.engine.jvm.fast.attention;

import dev.squall.engine.jvm.FastPath;
import dev.squall.engine.jvm.FastPathFor;
import dev.squall.engine.jvm.fast.driver.GemmDriver;
import dev.squall.engine.jvm.fast.driver.GemmDriver.Matrix;
import dev.squall.engine.jvm.fast.lanes.RowDots;
import dev.squall.engine.jvm.fast.math.SoftmaxRows;
import dev.squall.engine.jvm.fast.math.VectorMath;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.attention.FusedAttentionBackward;

import java.util.Arrays;

/**
 * Fast paths of {@link FusedAttentionBackward}: the same split (dQ per query block, dK and dV per key block, each
 * output element with one owner), with every product of a tile run by the blocked GEMM of {@link GemmDriver} and
 * the exponentials in vector lanes ({@link GradientTiles}). The slice's blocks of one head and sequence are taken
 * {@link #GROUP} tokens at a time ({@link BlockGroups}), so each streamed tile serves up to 128 queries or keys.
 *
 * <ul>
 *   <li>{@link #queryGradient}: per group of queries, Qᵀ and dOᵀ packed once; per tile of {@link #TILE} keys the
 *       key-major {@code Sᵀ = K·Qᵀ} and {@code dPᵀ = V·dOᵀ}, then {@code dQ += dS·K} reading the dSᵀ tile in place
 *       as a column-major A ({@link GemmDriver#productColumns}).</li>
 *   <li>{@link #keyValueGradient}: per group of keys, Kᵀ and Vᵀ packed once; per tile of queries the query-major
 *       {@code S = Q·Kᵀ} and {@code dP = dO·Vᵀ}, then {@code dV += Pᵀ·dO} and {@code dK += dSᵀ·Q}, the tiles again
 *       read in place.</li>
 * </ul>
 *
 * <p>Results do not depend on the split of rows: the streamed tiles lie on a grid fixed from the sequence start,
 * every element is an FMA chain in ascending key (dQ) or query (dK, dV) order from zero, and a tile that a group
 * visits but that is causally hidden from one of its tokens adds exact zeros to it. They differ from the plain
 * kernels by rounding (FMA, the vector exponential). Head dimensions past {@link GemmDriver#fitsDepth} run the plain
 * kernels.
 */
@FastPathFor(FusedAttentionBackward.class)
public final class FusedAttentionBackwardVector implements FastPath {
    /** Tokens of a group: the tiles' columns, at most the column stride of {@link GemmDriver#productColumns}. */
    static final int GROUP = 128;
    /** Streamed tokens per tile: the tiles' rows, and the depth of the products that read them. */
    static final int TILE = 128;
    /** Row stride of the tiles. */
    private static final int TS = GemmDriver.COLUMN_STRIDE;
    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    /** For {@link java.util.ServiceLoader}, which only reads the class: never called. */
    public FusedAttentionBackwardVector() {
    }

    /** Fast {@link FusedAttentionBackward#outputDots}. */
    public static void outputDots(float[] out, float[] dOut, float[] delta, int d, int rowOffset, int rowCount) {
        int covered = RowDots.covered(d);
        for (int row = rowOffset; row < rowOffset + rowCount; row++) {
            int base = row * d;
            float sum = VectorMath.sum(RowDots.fp32(out, base, dOut, base, d));
            for (int c = covered; c < d; c++) {
                sum = Math.fma(out[base + c], dOut[base + c], sum);
            }
            delta[row] = sum;
        }
    }

    /** Fast {@link FusedAttentionBackward#queryGradient}. */
    public static void queryGradient(float[] qkv, float[] dOut, float[] lse, float[] delta, float[] dqkv,
                                     int[] seqStart, int heads, int d, int ld, int kCol, int vCol, int causal,
                                     int rowOffset, int rowCount) {
        if (!GemmDriver.fitsDepth(d)) {
            FusedAttentionBackward.queryGradient(qkv, dOut, lse, delta, dqkv, seqStart, heads, d, ld, kCol, vCol, causal,
                    rowOffset, rowCount);
            return;
        }
        Workspace w = WORKSPACE.get();
        w.forDepth(d);
        BlockGroups.forEach(seqStart, heads, rowOffset, rowCount, GROUP, (h, start, end, i0, qn) -> {
            int od = heads * d;
            float scale = AttentionMask.scale(d);
            int qOff = i0 * ld + h * d;
            for (int i = 0; i < qn; i++) {
                Arrays.fill(dqkv, qOff + i * ld, qOff + i * ld + d, 0f);
            }
            w.gatherRows(lse, delta, i0, qn, heads, h);
            GemmDriver.packPanels(new Matrix(qkv, ld, i0, h * d), true, qn, d, w.groupA, 0);
            GemmDriver.packPanels(new Matrix(dOut, od, i0, h * d), true, qn, d, w.groupB, 0);
            int keyEnd = causal != 0 ? i0 + qn : end;
            for (int j0 = start; j0 < keyEnd; j0 += TILE) {
                int kn = Math.min(TILE, keyEnd - j0);
                GemmDriver.packRows(new Matrix(qkv, ld, j0, kCol + h * d), kn, d, w.tileA, 0);
                GemmDriver.productPacked(w.tileA, 0, w.groupA, w.scores, 0, TS, kn, qn, d);
                GemmDriver.packRows(new Matrix(qkv, ld, j0, vCol + h * d), kn, d, w.tileA, 0);
                GemmDriver.productPacked(w.tileA, 0, w.groupB, w.grads, 0, TS, kn, qn, d);
                GradientTiles.keyMajor(w.scores, w.grads, TS, kn, qn, scale, w.lse, w.delta, j0, i0, causal != 0);
                GemmDriver.packPanels(new Matrix(qkv, ld, j0, kCol + h * d), false, d, kn, w.tileB, 0);
                GemmDriver.productColumns(w.grads, 0, w.tileB, 0, kn, dqkv, qOff, ld, qn, d, kn);
            }
            for (int i = 0; i < qn; i++) {
                SoftmaxRows.scale(dqkv, qOff + i * ld, d, scale);
            }
        });
    }

    /** Fast {@link FusedAttentionBackward#keyValueGradient}. */
    public static void keyValueGradient(float[] qkv, float[] dOut, float[] lse, float[] delta, float[] dqkv,
                                        int[] seqStart, int heads, int d, int ld, int kCol, int vCol, int causal,
                                        int rowOffset, int rowCount) {
        if (!GemmDriver.fitsDepth(d)) {
            FusedAttentionBackward.keyValueGradient(qkv, dOut, lse, delta, dqkv, seqStart, heads, d, ld, kCol, vCol,
                    causal, rowOffset, rowCount);
            return;
        }
        Workspace w = WORKSPACE.get();
        w.forDepth(d);
        BlockGroups.forEach(seqStart, heads, rowOffset, rowCount, GROUP, (h, start, end, j0, kn) -> {
            int od = heads * d;
            float scale = AttentionMask.scale(d);
            int kOff = j0 * ld + kCol + h * d;
            int vOff = j0 * ld + vCol + h * d;
            for (int j = 0; j < kn; j++) {
                Arrays.fill(dqkv, kOff + j * ld, kOff + j * ld + d, 0f);
                Arrays.fill(dqkv, vOff + j * ld, vOff + j * ld + d, 0f);
            }
            GemmDriver.packPanels(new Matrix(qkv, ld, j0, kCol + h * d), true, kn, d, w.groupA, 0);
            GemmDriver.packPanels(new Matrix(qkv, ld, j0, vCol + h * d), true, kn, d, w.groupB, 0);
            // Query tiles on the grid from the sequence start; causal: from the one holding the group's first key.
            int first = causal != 0 ? start + (j0 - start) / TILE * TILE : start;
            for (int i0 = first; i0 < end; i0 += TILE) {
                int qn = Math.min(TILE, end - i0);
                w.gatherRows(lse, delta, i0, qn, heads, h);
                Matrix queries = new Matrix(qkv, ld, i0, h * d);
                Matrix grads = new Matrix(dOut, od, i0, h * d);
                GemmDriver.packRows(queries, qn, d, w.tileA, 0);
                GemmDriver.productPacked(w.tileA, 0, w.groupA, w.scores, 0, TS, qn, kn, d);
                GemmDriver.packRows(grads, qn, d, w.tileA, 0);
                GemmDriver.productPacked(w.tileA, 0, w.groupB, w.grads, 0, TS, qn, kn, d);
                GradientTiles.queryMajor(w.scores, w.grads, TS, qn, kn, scale, w.lse, w.delta, i0, j0, causal != 0);
                GemmDriver.packPanels(grads, false, d, qn, w.tileB, 0);
                GemmDriver.productColumns(w.scores, 0, w.tileB, 0, qn, dqkv, vOff, ld, kn, d, qn);
                GemmDriver.packPanels(queries, false, d, qn, w.tileB, 0);
                GemmDriver.productColumns(w.grads, 0, w.tileB, 0, qn, dqkv, kOff, ld, kn, d, qn);
            }
            for (int j = 0; j < kn; j++) {
                SoftmaxRows.scale(dqkv, kOff + j * ld, d, scale);
            }
        });
    }

    /** Per-thread buffers; the packed ones grow with the head dimension. */
    private static final class Workspace {
        /** The scores tile, then P. */
        final float[] scores = new float[TILE * TS];
        /** The dP tile, then dS. */
        final float[] grads = new float[TILE * TS];
        /** L and D of the tile's query rows or the group's query columns (whole vectors). */
        final float[] lse = new float[GradientTiles.vectorCeil(Math.max(GROUP, TILE))];
        final float[] delta = new float[lse.length];
        /** The group's two packed operands (B panels of the score and dP products). */
        float[] groupA = new float[0];
        float[] groupB = new float[0];
        /** A streamed tile packed as A rows, and as B panels. */
        float[] tileA = new float[0];
        float[] tileB = new float[0];
        private int d = -1;

        Workspace() {
        }

        /** Sizes the packed buffers for head dimension {@code d} (a new {@code d} reallocates them). */
        void forDepth(int d) {
            if (d != this.d) {
                this.d = d;
                groupA = new float[GemmDriver.panelFloats(GROUP, d)];
                groupB = new float[groupA.length];
                tileA = new float[(TILE + GemmDriver.MR) * d];
                tileB = new float[GemmDriver.panelFloats(d, TILE)];
            }
        }

        /** {@code lse}, {@code delta} of tokens {@code [i0, i0 + n)}, head {@code h}, into this workspace's arrays. */
        void gatherRows(float[] lse, float[] delta, int i0, int n, int heads, int h) {
            for (int i = 0; i < n; i++) {
                this.lse[i] = lse[(i0 + i) * heads + h];
                this.delta[i] = delta[(i0 + i) * heads + h];
            }
        }
    }
}

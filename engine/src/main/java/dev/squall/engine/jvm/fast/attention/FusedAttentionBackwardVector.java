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
 * the exponentials in vector lanes ({@link GradientTiles}). A call's blocks of one head and sequence form a run
 * ({@link QueryRuns#forEach}), cut into groups of up to {@link #GROUP} tokens (the tiles' columns); the run's
 * group operands are packed once, then each streamed tile of {@link #TILE} tokens is packed once and serves every
 * group of the run.
 *
 * <ul>
 *   <li>{@link #queryGradient}: groups of queries (Qᵀ, dOᵀ packed); per key tile the key-major
 *       {@code Sᵀ = K·Qᵀ} and {@code dPᵀ = V·dOᵀ}, then {@code dQ += dS·K} reading the dSᵀ tile in place as a
 *       column-major A ({@link GemmDriver#productColumns}).</li>
 *   <li>{@link #keyValueGradient}: groups of keys (Kᵀ, Vᵀ packed); per query tile the query-major
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
        int od = heads * d;
        float scale = AttentionMask.scale(d);
        QueryRuns.forEach(seqStart, heads, rowOffset, rowCount, (h, b, start, end, r0, r1) -> {
            int rn = r1 - r0;
            int groups = (rn + GROUP - 1) / GROUP;
            w.size(d, groups);
            for (int g = 0; g < groups; g++) {
                int i0 = r0 + g * GROUP;
                int qn = Math.min(GROUP, r0 + rn - i0);
                gather(lse, delta, i0, qn, heads, h, w.lse, w.delta, g * GROUP);
                GemmDriver.packPanels(new Matrix(qkv, ld, i0, h * d), true, qn, d, w.groupPanels1[g], 0);
                GemmDriver.packPanels(new Matrix(dOut, od, i0, h * d), true, qn, d, w.groupPanels2[g], 0);
            }
            zeroRows(dqkv, r0 * ld + h * d, ld, rn, d);
            int keyEnd = causal != 0 ? r0 + rn : end;
            for (int j0 = start; j0 < keyEnd; j0 += TILE) {
                int kn = Math.min(TILE, keyEnd - j0);
                Matrix keys = new Matrix(qkv, ld, j0, kCol + h * d);
                GemmDriver.packRows(keys, kn, d, w.tileRows1, 0);
                GemmDriver.packRows(new Matrix(qkv, ld, j0, vCol + h * d), kn, d, w.tileRows2, 0);
                GemmDriver.packPanels(keys, false, d, kn, w.tilePanels1, 0);
                for (int g = 0; g < groups; g++) {
                    int i0 = r0 + g * GROUP;
                    int qn = Math.min(GROUP, r0 + rn - i0);
                    // Causal: keys after the group's last query are hidden from all of it (a group before the
                    // tile sees none of it).
                    int visible = causal != 0 ? Math.min(kn, i0 + qn - j0) : kn;
                    if (visible <= 0) {
                        continue;
                    }
                    GemmDriver.productPacked(w.tileRows1, 0, w.groupPanels1[g], w.scores, 0, TS, visible, qn, d);
                    GemmDriver.productPacked(w.tileRows2, 0, w.groupPanels2[g], w.grads, 0, TS, visible, qn, d);
                    GradientTiles.keyMajor(w.scores, w.grads, TS, visible, qn, scale, w.lse, w.delta, g * GROUP, j0, i0,
                            causal != 0);
                    GemmDriver.productColumns(w.grads, 0, w.tilePanels1, 0, kn, dqkv, i0 * ld + h * d, ld, qn, d,
                            visible);
                }
            }
            scaleRows(dqkv, r0 * ld + h * d, ld, rn, d, scale);
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
        int od = heads * d;
        float scale = AttentionMask.scale(d);
        QueryRuns.forEach(seqStart, heads, rowOffset, rowCount, (h, b, start, end, r0, r1) -> {
            int rn = r1 - r0;
            int groups = (rn + GROUP - 1) / GROUP;
            w.size(d, groups);
            for (int g = 0; g < groups; g++) {
                int j0 = r0 + g * GROUP;
                int kn = Math.min(GROUP, r0 + rn - j0);
                GemmDriver.packPanels(new Matrix(qkv, ld, j0, kCol + h * d), true, kn, d, w.groupPanels1[g], 0);
                GemmDriver.packPanels(new Matrix(qkv, ld, j0, vCol + h * d), true, kn, d, w.groupPanels2[g], 0);
            }
            zeroRows(dqkv, r0 * ld + kCol + h * d, ld, rn, d);
            zeroRows(dqkv, r0 * ld + vCol + h * d, ld, rn, d);
            // Query tiles on the grid from the sequence start; causal: from the one holding the run's first key.
            for (int i0 = causal != 0 ? start + (r0 - start) / TILE * TILE : start; i0 < end; i0 += TILE) {
                int qn = Math.min(TILE, end - i0);
                gather(lse, delta, i0, qn, heads, h, w.lse, w.delta, 0);
                Matrix queries = new Matrix(qkv, ld, i0, h * d);
                Matrix grads = new Matrix(dOut, od, i0, h * d);
                GemmDriver.packRows(queries, qn, d, w.tileRows1, 0);
                GemmDriver.packRows(grads, qn, d, w.tileRows2, 0);
                GemmDriver.packPanels(queries, false, d, qn, w.tilePanels1, 0);
                GemmDriver.packPanels(grads, false, d, qn, w.tilePanels2, 0);
                for (int g = 0; g < groups; g++) {
                    int j0 = r0 + g * GROUP;
                    int kn = Math.min(GROUP, r0 + rn - j0);
                    if (causal != 0 && j0 >= i0 + qn) {
                        break; // this group's keys, and the later groups', all come after the tile's queries
                    }
                    GemmDriver.productPacked(w.tileRows1, 0, w.groupPanels1[g], w.scores, 0, TS, qn, kn, d);
                    GemmDriver.productPacked(w.tileRows2, 0, w.groupPanels2[g], w.grads, 0, TS, qn, kn, d);
                    GradientTiles.queryMajor(w.scores, w.grads, TS, qn, kn, scale, w.lse, w.delta, i0, j0, causal != 0);
                    GemmDriver.productColumns(w.scores, 0, w.tilePanels2, 0, qn, dqkv, j0 * ld + vCol + h * d, ld, kn, d,
                            qn);
                    GemmDriver.productColumns(w.grads, 0, w.tilePanels1, 0, qn, dqkv, j0 * ld + kCol + h * d, ld, kn, d,
                            qn);
                }
            }
            scaleRows(dqkv, r0 * ld + kCol + h * d, ld, rn, d, scale);
        });
    }

    /** {@code lse}, {@code delta} of tokens {@code [i0, i0 + n)}, head {@code h}, into {@code l}, {@code dl} at {@code at}. */
    private static void gather(float[] lse, float[] delta, int i0, int n, int heads, int h, float[] l, float[] dl,
                               int at) {
        for (int i = 0; i < n; i++) {
            l[at + i] = lse[(i0 + i) * heads + h];
            dl[at + i] = delta[(i0 + i) * heads + h];
        }
    }

    static void zeroRows(float[] a, int off, int ld, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            Arrays.fill(a, off + r * ld, off + r * ld + cols, 0f);
        }
    }

    private static void scaleRows(float[] a, int off, int ld, int rows, int cols, float scale) {
        for (int r = 0; r < rows; r++) {
            SoftmaxRows.scale(a, off + r * ld, cols, scale);
        }
    }

    /**
     * Per-thread buffers: the two score-sized tiles; a streamed tile packed as A rows and as B panels (two of each);
     * the operands of every group of a run, packed once per run and call; L and D of a run's query groups (dQ) or of
     * a query tile (dK, dV). The group buffers grow with the longest run: O(N·d) for a sequence of N tokens.
     */
    private static final class Workspace {
        /** The scores tile, then P. */
        final float[] scores = new float[TILE * TS];
        /** The dP tile, then dS. */
        final float[] grads = new float[TILE * TS];
        float[] tileRows1 = new float[0];
        float[] tileRows2 = new float[0];
        float[] tilePanels1 = new float[0];
        float[] tilePanels2 = new float[0];
        /** The operands of a run's groups, one array each. */
        float[][] groupPanels1 = new float[0][];
        float[][] groupPanels2 = new float[0][];
        float[] lse = new float[0];
        float[] delta = new float[0];
        private int d = -1;

        /** Sizes the buffers for head dimension {@code d} and {@code groups} groups. */
        void size(int d, int groups) {
            if (d != this.d) {
                this.d = d;
                tileRows1 = new float[(TILE + GemmDriver.MR) * d];
                tileRows2 = new float[tileRows1.length];
                tilePanels1 = new float[GemmDriver.panelFloats(d, TILE)];
                tilePanels2 = new float[tilePanels1.length];
                groupPanels1 = new float[0][];
                groupPanels2 = new float[0][];
            }
            if (groupPanels1.length < groups) {
                int have = groupPanels1.length;
                groupPanels1 = Arrays.copyOf(groupPanels1, groups);
                groupPanels2 = Arrays.copyOf(groupPanels2, groups);
                for (int g = have; g < groups; g++) {
                    groupPanels1[g] = new float[GemmDriver.panelFloats(GROUP, d)];
                    groupPanels2[g] = new float[GemmDriver.panelFloats(GROUP, d)];
                }
            }
            // L and D of the run's groups, each read in whole vectors.
            int stats = Math.max(groups * GROUP, TILE) + GradientTiles.LANES;
            if (lse.length < stats) {
                lse = new float[stats];
                delta = new float[stats];
            }
        }
    }
}
